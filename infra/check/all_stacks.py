"""`python -m infra check --all-stacks`: every stack file checked in one process, and the stacks against each other.

Each `Pulumi.<stack>.yaml` is planned on the mock runtime in this one process (the provider SDKs
are imported once), and judged by one policy pack process, started while the first stack plans
and reconfigured per stack (its pack config, plus the stack's own configuration for the cost
rule, which a single process cannot take from its environment for every stack). The pack judges
one stack while the next one plans: the two processes keep both cores busy.

Then the stacks are compared, since each stack's pack sees only itself:
- the same globally, account- or zone-unique name in two stacks (`UNIQUE_NAMES` of the edge
  contracts: buckets, storage accounts, Front Door endpoints, Worker scripts, DigitalOcean tags,
  DNS names, ...): the second `pulumi up` fails, or quietly takes the first stack's resource over;
- DigitalOcean VPC ranges that overlap (ranges may not overlap within a team; every stack file of
  the repository is assumed to deploy into one team);
- a zone-level singleton (entry-point ruleset, zone setting, tiered cache) declared by more than
  one stack;
- an account-wide security singleton (CloudTrail trail, GuardDuty detector, Security Hub, AWS Config
  recorder, Defender plan, activity-log setting, a project's audit configuration) declared by more than
  one stack, unless the stacks say they have accounts of their own (`account_owner: "*"`,
  `project_owner: "*"`). A GCP project's configuration names the project, so stacks with projects of
  their own (each environment's, by default) never conflict, and two stacks on one project do.
Every conflict names both stacks and the resource.
"""

from __future__ import annotations

import ipaddress
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from infra.check.pack import PolicyPackServer, evaluate_records
from infra.check.pack_config import pack_config, singleton_owners, stack_names
from infra.check.verdicts import PolicyReport
from infra.config import StackFile, load_stack_file
from infra.plan.records import Plan, ResourceRecord
from policy.rules.base import Res, Stack
from policy.rules.contracts.cloudflare import singletons
from policy.rules.contracts.digitalocean import VPC
from policy.rules.contracts.edge import unique_names
from policy.rules.contracts.shared import account_singletons

COST_RULE = "estimated-cost-within-budget"


@dataclass(frozen=True)
class Conflict:
    """Two stacks that cannot both be deployed as declared."""

    kind: str  # "name", "network", "zone singleton", "account singleton"
    what: str
    stacks: tuple[str, str]
    resources: tuple[str, str]

    def describe(self) -> str:
        (a, b), (ra, rb) = self.stacks, self.resources
        return f"{self.kind}: {self.what}: stack {a} ({ra}) and stack {b} ({rb})"


@dataclass
class AllStacksReport:
    """Each stack's policy report, the conflicts between stacks, and the time it all took."""

    reports: dict[str, PolicyReport] = field(default_factory=dict)
    resources: dict[str, int] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.conflicts and all(r.passed for r in self.reports.values())


def _res(record: ResourceRecord) -> Res:
    return Res(record.type, record.name, record.urn, record.inputs, record.protect, record.property_dependencies)


def _first_two(found: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], tuple[str, str]] | None:
    """The first two entries of `found` from different stacks, if any."""
    first = found[0]
    other = next((f for f in found[1:] if f[0] != first[0]), None)
    return None if other is None else (first, other)


def conflicts(plans: Mapping[str, Plan]) -> list[Conflict]:
    """What two of `plans` share that only one may have."""
    names: dict[tuple[str, str, str], list[tuple[str, str]]] = defaultdict(list)
    zone_objects: dict[str, list[tuple[str, str]]] = defaultdict(list)
    account_objects: dict[str, list[tuple[str, str]]] = defaultdict(list)
    ranges: list[tuple[str, str, ipaddress.IPv4Network | ipaddress.IPv6Network]] = []
    for stack, plan in plans.items():
        resources = [_res(r) for r in plan.resources if r.custom]
        for res in resources:
            for where, name in unique_names(res):
                names[(res.type, where, name)].append((stack, res.name))
            if res.type == VPC and isinstance(text := res.get("ipRange"), str) and text:
                ranges.append((stack, res.name, ipaddress.ip_network(text, strict=False)))
        for what, res in singletons(Stack(resources)):
            zone_objects[what].append((stack, res.name))
        owners = _owners(plan)
        for key, what, res in account_singletons(Stack(resources)):
            if owners.get(key) != "*":
                account_objects[what].append((stack, res.name))
    found = []
    for (token, where, name), holders in sorted(names.items()):
        if pair := _first_two(holders):
            (a, ra), (b, rb) = pair
            kind = token.rsplit(":", 1)[-1]
            found.append(Conflict("name", f"{kind} {name!r} ({where}-unique)", (a, b), (ra, rb)))
    for i, (a, ra, net_a) in enumerate(ranges):
        for b, rb, net_b in ranges[i + 1 :]:
            if a != b and net_a.overlaps(net_b):
                found.append(Conflict("network", f"DigitalOcean VPC {net_a} overlaps {net_b}", (a, b), (ra, rb)))
    for kind, objects in (("zone singleton", zone_objects), ("account singleton", account_objects)):
        for what, declared in sorted(objects.items()):
            if pair := _first_two(declared):
                (a, ra), (b, rb) = pair
                found.append(Conflict(kind, what, (a, b), (ra, rb)))
    return found


def _owners(plan: Plan) -> dict[str, str]:
    """The stack's owners of account singletons (`*`: an account of its own), from its configuration."""
    return {} if plan.config is None else singleton_owners(plan.config)


def _configuration(stack_file: StackFile, plan: Plan) -> dict[str, dict[str, object]]:
    """The pack config of one stack, plus what the cost rule otherwise reads from the process environment."""
    assert plan.config is not None  # noqa: S101 (plan_stack_file sets it)
    config: dict[str, dict[str, object]] = {k: dict(v) for k, v in pack_config(plan.config).items()}
    config[COST_RULE] = config.get(COST_RULE, {}) | {"stack": stack_file.stack, "engineConfig": stack_file.config}
    return config


def check_all(
    stacks: Iterable[str] | None = None,
    *,
    extra: Mapping[str, Path] | None = None,
    plans: Mapping[str, Plan] | None = None,
) -> AllStacksReport:
    """Plan and check every stack (`stacks`, default all stack files; `extra` = stack -> file), one
    process and one pack for all; `plans` are plans already made (tests). ConfigError propagates."""
    from infra.plan.runner import plan_stack_file

    started = time.perf_counter()
    files = [load_stack_file(s) for s in (stack_names() if stacks is None else stacks)]
    files += [load_stack_file(s, path) for s, path in (extra or {}).items()]
    report = AllStacksReport()
    if not files:
        return report
    pack = PolicyPackServer(files[0].stack, files[0].config, files[0].secret_keys).spawn()
    made: dict[str, Plan] = {}
    judged: dict[str, Future[PolicyReport]] = {}
    # One worker: the pack judges stacks one at a time (each Configure applies to what follows it).
    with ThreadPoolExecutor(max_workers=1) as judge:
        try:
            for i, stack_file in enumerate(files):
                plan = (plans or {}).get(stack_file.stack) or plan_stack_file(stack_file)
                made[stack_file.stack] = plan
                if i == 0:
                    pack.connect()
                judged[stack_file.stack] = judge.submit(
                    evaluate_records, pack, stack_file.stack, plan.resources, _configuration(stack_file, plan)
                )
            for stack_file in files:
                report.reports[stack_file.stack] = judged[stack_file.stack].result()
                report.resources[stack_file.stack] = made[stack_file.stack].resource_count
        finally:
            for future in judged.values():
                future.cancel()
            pack.stop()
    report.conflicts = conflicts(made)
    report.elapsed_s = time.perf_counter() - started
    return report
