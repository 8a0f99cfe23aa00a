"""The rules of the qmoi-cloud policy pack, one module per area; `policies()` builds the pack's list.

Every rule is declared once, as data plus a check (see `base.py`); the pack, the offline
runner (`infra/check/`) and the README table (`python -m infra policies`) all read RULES.
"""

from __future__ import annotations

from pulumi_policy import Policy

from policy.rules import (
    budgets,
    contracts,
    data_safety,
    encryption,
    exposure,
    hardening,
    security_ops,
    tags,
    transit,
)
from policy.rules.base import INFORMATIONAL, Rule

PACK_NAME = "qmoi-cloud-policies"

RULES: list[Rule] = [
    *encryption.RULES,
    *transit.RULES,
    *exposure.RULES,
    *hardening.RULES,
    *data_safety.RULES,
    *security_ops.RULES,
    *tags.RULES,
    *budgets.RULES,
    *contracts.RULES,
]


def policies() -> list[Policy]:
    """The pulumi-policy objects of every rule, in RULES order."""
    return [rule.policy() for rule in RULES]


def rule(name: str) -> Rule:
    return next(r for r in RULES if r.name == name)


__all__ = ["INFORMATIONAL", "PACK_NAME", "RULES", "policies", "rule"]
