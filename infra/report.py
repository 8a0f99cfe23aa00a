"""Rendering a plan: a tree for the terminal, JSON for machines, Markdown for a PR comment."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from infra import cost
from infra.diff import PlanDiff, ResourceChange
from infra.mocks import ResourceRecord
from infra.plan import Plan
from infra.policy import PolicyReport, Verdict


def provider_of(record: ResourceRecord) -> str:
    """The provider package of a type token (`aws:s3/bucket:Bucket` -> aws, `qmoi:gcp:...` -> gcp)."""
    parts = record.type.split(":")
    if parts[0] == "qmoi":
        return parts[1]
    if parts[0] == "pulumi" and parts[1] == "providers":
        return parts[2]
    return {"azure-native": "azure"}.get(parts[0], parts[0])


def _tree_lines(plan: Plan) -> list[str]:
    children: dict[str | None, list[ResourceRecord]] = defaultdict(list)
    for record in plan.resources:
        children[record.parent].append(record)
    urns = {r.urn for r in plan.resources}
    roots = [r for r in plan.resources if r.parent not in urns]
    lines: list[str] = []

    def walk(record: ResourceRecord, depth: int) -> None:
        kids = children.get(record.urn, [])
        if record.custom:
            return
        custom = Counter(k.type for k in kids if k.custom)
        flags = " [protected]" if any(k.protect for k in kids) else ""
        lines.append(f"{'  ' * depth}{record.name} ({record.type}){flags}")
        for type_token, count in sorted(custom.items()):
            lines.append(f"{'  ' * (depth + 1)}{count:>3} x {type_token}")
        for kid in kids:
            walk(kid, depth + 1)

    for root in roots:
        walk(root, 0)
    return lines


def render_text(plan: Plan) -> str:
    """A tree by provider and component, with resource counts per type."""
    custom = list(plan.custom())
    by_provider = Counter(provider_of(r) for r in custom)
    protected = sum(r.protect for r in custom)
    lines = [f"qmoi-cloud plan: stack {plan.stack}", ""]
    lines += _tree_lines(plan)
    lines += [
        "",
        "resources by provider: " + ", ".join(f"{p} {n}" for p, n in sorted(by_provider.items())),
        f"{len(custom)} resources, {protected} protected",
        "",
        *_cost_summary(plan),
    ]
    return "\n".join(lines)


def render_json(plan: Plan) -> str:
    return json.dumps(cost.plan_document(plan), indent=2, sort_keys=False, default=str)


def render_markdown(plan: Plan) -> str:
    custom = list(plan.custom())
    counts = Counter(r.type for r in custom)
    rows = "\n".join(f"| `{t}` | {n} |" for t, n in sorted(counts.items()))
    return (
        f"### qmoi-cloud plan: `{plan.stack}`\n\n{len(custom)} resources.\n\n"
        f"<details><summary>Resources by type</summary>\n\n| type | count |\n|---|---:|\n{rows}\n\n</details>\n\n"
        + "\n".join(f"- {line}" for line in _cost_summary(plan))
        + "\n"
    )


def _first_line(text: str, limit: int = 300) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def render_policy_text(policy: PolicyReport) -> str:
    """The pack's verdicts grouped by resource, then notes, then the summary line."""
    lines = [f"policy pack {policy.pack}: stack {policy.stack}"]
    by_resource: dict[str, list[Verdict]] = defaultdict(list)
    for verdict in policy.violations:
        by_resource[verdict.resource or "(stack)"].append(verdict)
    for resource, verdicts in by_resource.items():
        lines.append(f"  {resource}")
        lines += [f"    {v.level.upper():<9} {v.policy}: {_first_line(v.detail)}" for v in verdicts]
    lines += [f"  note      {n.policy}: {_first_line(n.detail)}" for n in policy.notes]
    lines += [f"  not evaluated: {name}: {_first_line(reason)}" for name, reason in policy.not_evaluated.items()]
    lines.append(policy.summary_line())
    return "\n".join(lines)


def render_policy_markdown(policy: PolicyReport) -> str:
    status = "passed" if policy.passed else "**failed**"
    rows = "\n".join(
        f"| {v.level} | `{v.policy}` | `{v.resource or '(stack)'}` | {_first_line(v.detail).replace('|', '/')} |"
        for v in policy.violations
    )
    table = f"\n\n| level | policy | resource | message |\n|---|---|---|---|\n{rows}" if rows else ""
    notes = "".join(f"\n- `{n.policy}`: {_first_line(n.detail)}" for n in policy.notes)
    skipped = "".join(f"\n- `{k}`: {_first_line(v)}" for k, v in policy.not_evaluated.items())
    return (
        f"#### Policy ({status})\n\n{policy.summary_line()}.{table}"
        + (f"\n\n<details><summary>Notes</summary>\n{notes}\n\n</details>" if notes else "")
        + (f"\n\nNot evaluated:{skipped}" if skipped else "")
        + "\n"
    )


def with_policy(fmt: str, rendered: str, policy: PolicyReport) -> str:
    """A rendered plan with the policy verdicts added in the same format (json: a "policy" key)."""
    if fmt == "json":
        return json.dumps(json.loads(rendered) | {"policy": policy.to_json()}, indent=2, default=str)
    if fmt == "markdown":
        return rendered + "\n" + render_policy_markdown(policy)
    return rendered + "\n\n" + render_policy_text(policy)


RENDERERS: dict[str, Any] = {"text": render_text, "json": render_json, "markdown": render_markdown}


# --- cost and plan comparison (infra/cost.py, infra/diff.py) -------------------------------

COMMENT_LIMIT = 65_536  # GitHub's maximum comment length
_MARGIN = 1_536


def _cost_summary(plan: Plan) -> list[str]:
    try:
        return cost.summary_lines(cost.estimate(plan))
    except cost.CostError as exc:
        return str(exc).splitlines()


def _cell(value: Any, width: int) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else value
    text = text if len(text) <= width else text[: width - 1] + "…"
    return "`" + text.replace("`", "'").replace("|", "/").replace("\n", " ") + "`"


def _more(shown: int, total: int) -> str:
    return f"\n\n…and {total - shown} more" if total > shown else ""


def _policy_markdown(diff: PlanDiff, items: int) -> str:
    policy = diff.policy
    if not policy:
        return "#### Policy\n\nNo policy verdicts in this plan.\n"
    before = {(v.get("policy"), v.get("urn")) for v in (diff.policy_before or {}).get("violations") or []}
    violations = policy.get("violations") or []
    status = "passed" if policy.get("passed", True) else "FAILED"
    rows = "".join(
        f"\n| {v.get('level')} | `{v.get('policy')}` | `{v.get('resource') or '(stack)'}` | "
        f"{'' if (v.get('policy'), v.get('urn')) in before else 'new'} | {_cell(v.get('message', ''), 160)} |"
        for v in violations[:items]
    )
    table = f"\n\n| level | policy | resource | | message |\n|---|---|---|---|---|{rows}" if rows else ""
    return (
        f"#### Policy: {status}\n\n{policy.get('mandatory', 0)} mandatory and "
        f"{policy.get('advisory', 0)} advisory violations.{table}{_more(len(violations[:items]), len(violations))}\n"
    )


def _changes_markdown(title: str, changes: list[ResourceChange], items: int, props: int, width: int) -> str:
    if not changes:
        return ""
    lines = []
    for change in changes[:items]:
        delta = f" ({cost.usd(change.cost_delta, signed=True)}/month)" if abs(change.cost_delta) >= 0.005 else ""
        lines.append(f"- `{change.name}` (`{change.type}`){delta}")
        for prop in change.properties[:props]:
            lines.append(f"  - {_cell(prop.path, width)}: {_cell(prop.before, width)} → {_cell(prop.after, width)}")
        if len(change.properties) > props:
            lines.append(f"  - …and {len(change.properties) - props} more properties")
    body = "\n".join(lines) + _more(min(items, len(changes)), len(changes))
    return f"<details><summary>{title} ({len(changes)})</summary>\n\n{body}\n\n</details>\n\n"


def _compare_markdown(diff: PlanDiff, items: int, props: int, width: int) -> str:
    counts = f"{len(diff.added)} to add, {len(diff.removed)} to remove, {len(diff.changed)} to change"
    budget = diff.budget
    headroom = (
        f" Budget {cost.usd(budget['monthlyUsd'])}, headroom {cost.usd(budget['headroomUsd'])}."
        if "monthlyUsd" in budget
        else ""
    )
    providers = "".join(
        f"\n| {p} | {cost.usd(b)} | {cost.usd(a)} | {cost.usd(a - b, signed=True)} |" for p, b, a in diff.providers()
    )
    total = (
        f"\n| **total** | **{cost.usd(diff.total_before)}** | **{cost.usd(diff.total_after)}** | "
        f"**{cost.usd(diff.delta, signed=True)}** |"
    )
    by_cost = sorted(diff.added + diff.removed + diff.changed, key=lambda c: -abs(c.cost_delta))
    by_cost = [c for c in by_cost if abs(c.cost_delta) >= 0.005]
    cost_rows = "".join(
        f"\n| `{c.name}` | {c.kind} | {cost.usd(c.cost_before)} | {cost.usd(c.cost_after)} | "
        f"{cost.usd(c.cost_delta, signed=True)} |"
        for c in by_cost[: items * 2]
    )
    breakdown = (
        f"<details><summary>Cost by resource ({len(by_cost)} with a cost change)</summary>\n\n"
        f"| resource | change | before | after | diff |\n|---|---|---:|---:|---:|{cost_rows}"
        f"{_more(min(items * 2, len(by_cost)), len(by_cost))}\n\n</details>\n"
        if by_cost
        else ""
    )
    return (
        f"### qmoi-cloud `{diff.head_stack}`: {diff.headline()}\n\n"
        f"**{counts}.**{headroom}\n\n"
        f"| provider | before | after | diff |\n|---|---:|---:|---:|{providers}{total}\n\n"
        + _policy_markdown(diff, items)
        + "\n"
        + _changes_markdown("Added", diff.added, items, props, width)
        + _changes_markdown("Removed", diff.removed, items, props, width)
        + _changes_markdown("Changed", diff.changed, items, props, width)
        + breakdown
    )


def render_compare_markdown(diff: PlanDiff, limit: int = COMMENT_LIMIT) -> str:
    """A PR comment: the headline first, then summaries that shrink until the comment fits `limit`."""
    for items, props, width in ((100, 25, 120), (40, 10, 80), (15, 5, 60), (5, 2, 40), (0, 0, 20)):
        text = _compare_markdown(diff, items, props, width)
        if len(text) <= limit - _MARGIN:
            return text
    return text[: limit - _MARGIN] + "\n\n…(truncated to fit a comment)\n"


def render_compare_text(diff: PlanDiff) -> str:
    lines = [f"qmoi-cloud {diff.head_stack}: {diff.headline()}"]
    for change in diff.added + diff.removed + diff.changed:
        sign = {"added": "+", "removed": "-", "changed": "~"}[change.kind]
        lines.append(f"  {sign} {change.name} ({change.type}) {cost.usd(change.cost_delta, signed=True)}/month")
        lines += [f"      {p.path}: {p.before!r} -> {p.after!r}" for p in change.properties[:10]]
    lines += [f"  {p}: {cost.usd(b)} -> {cost.usd(a)}" for p, b, a in diff.providers()]
    return "\n".join(lines)


COMPARE_RENDERERS: dict[str, Any] = {
    "text": render_compare_text,
    "markdown": render_compare_markdown,
    "json": lambda diff: json.dumps(diff.to_json(), indent=2, default=str),
}
