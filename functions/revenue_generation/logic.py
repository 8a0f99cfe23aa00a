"""Project monthly recurring revenue from subscription plans: MRR per plan, total, churned seats.

Input: {"subscriptions": [{"plan": str, "seats": int, "unit_price": number, "status":
"active" | "cancelled"}]}. Decimal arithmetic so cents do not drift.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any


def project_revenue(subscriptions: list[dict[str, Any]]) -> dict[str, Any]:
    per_plan: dict[str, Decimal] = {}
    churned = 0
    rejected: list[int] = []
    for i, sub in enumerate(subscriptions):
        try:
            plan, seats, price = str(sub["plan"]), int(sub["seats"]), Decimal(str(sub["unit_price"]))
        except (KeyError, ValueError, TypeError, InvalidOperation):
            rejected.append(i)
            continue
        if seats < 0 or price < 0:
            rejected.append(i)
        elif sub.get("status", "active") == "cancelled":
            churned += seats
        else:
            per_plan[plan] = per_plan.get(plan, Decimal(0)) + seats * price
    total = sum(per_plan.values(), Decimal(0))
    return {
        "mrr": {p: str(v.quantize(Decimal("0.01"))) for p, v in sorted(per_plan.items())},
        "total_mrr": str(total.quantize(Decimal("0.01"))),
        "churned_seats": churned,
        "rejected": rejected,
    }
