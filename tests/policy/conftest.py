"""The policy pack, started once per session the way the CLI starts it, and helpers to feed it resources."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from infra.check import PolicyPackServer, PolicyReport, evaluate_records
from infra.plan.records import ResourceRecord

TAGS = {
    "environment": "prod",
    "stack": "prod",
    "project": "qmoi-cloud",
    "owner": "platform-team",
    "cost-center": "cc-1042",
}
# The pack config the rule tests run under: a prod stack with a 1000 USD budget, budgets mandatory.
# The cost rule needs a whole stack's configuration (PULUMI_CONFIG), which these records lack: it
# fails closed without one, so it is tested on its own (tests/fail_closed/test_gates.py).
# Security operations judge absence in prod only, and account singletons in the stack that owns them:
# the stacks these tests build are judged as dev, owning nothing (tests/policy/test_security_ops.py
# judges them as prod).
SECURITY_OPS_CONFIG: dict[str, dict[str, Any]] = {
    "audit-trail-enabled": {"environment": "dev", "auditOwner": "security", "auditProjectOwner": "security"},
    "threat-detection-enabled": {"environment": "dev", "threatOwner": "security", "threatProjectOwner": "security"},
    "waf-on-public-entry-points": {"environment": "dev"},
    "backup-vault-locked": {"environment": "dev"},
    "vault-lock-cooling-off": {"environment": "dev"},
    "account-singleton-owner": {"auditOwner": "*", "threatOwner": "*", "auditProjectOwner": "*", "anomalyOwner": "*"},
}
TEST_CONFIG: dict[str, dict[str, Any]] = {
    **SECURITY_OPS_CONFIG,
    "prod-stateful-protected": {"environment": "prod"},
    "budget-per-provider": {"enforcementLevel": "mandatory", "monthlyBudgetUsd": 1000},
    "budget-limits-within-stack-budget": {"enforcementLevel": "mandatory", "monthlyBudgetUsd": 1000},
    "estimated-cost-within-budget": {"enforcementLevel": "disabled"},
}

# For single resources: stack-level rules that judge the whole stack (budgets, prod protection) off.
RESOURCE_CONFIG = {
    **SECURITY_OPS_CONFIG,
    "prod-stateful-protected": {"environment": "dev"},
    "errors-alarmed": {"enforcementLevel": "disabled"},
    "budget-per-provider": {"enforcementLevel": "disabled"},
    "budget-limits-within-stack-budget": {"enforcementLevel": "disabled"},
    "estimated-cost-within-budget": {"enforcementLevel": "disabled"},
}


@pytest.fixture(scope="session")
def pack() -> Iterator[PolicyPackServer]:
    with PolicyPackServer("test") as server:
        yield server


def record(type_: str, name: str, props: dict[str, Any], *, protect: bool = False, **deps: list[str]) -> ResourceRecord:
    return ResourceRecord(
        urn=f"urn:pulumi:prod::qmoi-cloud::{type_}::{name}",  # the prod stack TEST_CONFIG describes
        type=type_,
        name=name,
        parent=None,
        custom=True,
        protect=protect,
        retain_on_delete=protect,
        provider=None,
        dependencies=[u for urns in deps.values() for u in urns],
        property_dependencies=dict(deps),
        inputs=copy.deepcopy(props),
    )


def check(
    pack: PolicyPackServer, *records: ResourceRecord, config: dict[str, dict[str, Any]] = TEST_CONFIG
) -> PolicyReport:
    """The pack's verdicts on these resources (each analyzed, then the stack), under `config`."""
    return evaluate_records(pack, "test", list(records), config)


def with_change(props: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    """A deep copy of `props` with one value changed (None deletes it)."""
    changed = copy.deepcopy(props)
    target: Any = changed
    for key in path[:-1]:
        target = target[key]
    if value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return changed
