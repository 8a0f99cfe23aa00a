"""Summarise a batch of payment events: revenue per currency, refunds, rejected records.

Event: {"transactions": [{"id": str, "amount": number, "currency": "USD", "status":
"completed" | "refunded" | "pending"}]}. Amounts are summed as Decimal so cents do not drift.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

COUNTED = {"completed", "refunded"}


def summarise(transactions: list[dict[str, Any]]) -> dict[str, Any]:
    revenue: dict[str, Decimal] = {}
    refunds = 0
    rejected: list[str] = []
    for tx in transactions:
        tx_id = str(tx.get("id", "?"))
        try:
            amount = Decimal(str(tx["amount"]))
            currency = str(tx["currency"]).upper()
            status = str(tx["status"])
        except (KeyError, InvalidOperation):
            rejected.append(tx_id)
            continue
        if status not in COUNTED or len(currency) != 3 or amount < 0:
            if status != "pending":
                rejected.append(tx_id)
            continue
        sign = Decimal(-1) if status == "refunded" else Decimal(1)
        refunds += status == "refunded"
        revenue[currency] = revenue.get(currency, Decimal(0)) + sign * amount
    return {
        "revenue": {c: str(v.quantize(Decimal("0.01"))) for c, v in sorted(revenue.items())},
        "refunds": refunds,
        "rejected": rejected,
    }


def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    transactions = event.get("transactions")
    if not isinstance(transactions, list):
        return {"statusCode": 400, "body": json.dumps({"error": "'transactions' must be a list"})}
    return {"statusCode": 200, "body": json.dumps(summarise(transactions))}
