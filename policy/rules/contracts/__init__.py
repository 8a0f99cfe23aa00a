"""Deploy contracts: stack-level rules for what a cloud checks at `pulumi up`, or a service needs to work,
that no single resource's arguments show (see DESIGN.md). One module per provider plus `edge`
(cross-cloud wiring and stacks side by side), `shared` (one contract that holds the same way on
several clouds) and `operations` (alarms that exist, can fire and reach someone). Every contract
cites the documentation it rests on (`Rule.docs`) and has a test with a baseline that passes and
one change that breaks it.
"""

from __future__ import annotations

from policy.rules.base import Rule
from policy.rules.contracts import aws, azure, cloudflare, digitalocean, edge, gcp, operations, shared
from policy.rules.contracts.area import AREA

__all__ = ["AREA", "RULES"]

RULES: list[Rule] = [
    *aws.RULES,
    *gcp.RULES,
    *shared.RULES,
    *azure.RULES,
    *cloudflare.RULES,
    *digitalocean.RULES,
    *edge.RULES,
    *operations.RULES,
]
