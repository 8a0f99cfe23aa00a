"""Suggest list prices from unit economics: keep every product at or above a target margin.

Request (POST JSON): {"target_margin": 0.35, "products": [{"sku": str, "price": number,
"unit_cost": number, "units": int}]}. For each product the response gives its margin, the
price that meets the target (rounded up to the cent) and the monthly revenue change at the
same volume. Money is Decimal so cents do not drift. Cloud Functions (gen2) HTTP entry
point: `handler(request)`; the logic is `optimise`, plain Python.
"""

from __future__ import annotations

import json
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import Any

DEFAULT_TARGET = Decimal("0.30")
CENT = Decimal("0.01")


def _money(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError(f"{field} must be a number, got {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"{field} must be a finite number >= 0, got {value!r}")
    return amount


def optimise(products: list[dict[str, Any]], target_margin: Any = DEFAULT_TARGET) -> dict[str, Any]:
    target = _money(target_margin, "target_margin")
    if target >= 1:
        raise ValueError("target_margin must be below 1 (a share of the price)")
    suggestions = []
    uplift = Decimal(0)
    for i, product in enumerate(products):
        sku = str(product.get("sku", f"#{i}"))
        price = _money(product.get("price"), f"products[{i}].price")
        cost = _money(product.get("unit_cost"), f"products[{i}].unit_cost")
        units = int(product.get("units", 0))
        margin = (price - cost) / price if price else Decimal(-1)
        suggested = price
        if margin < target:
            suggested = (cost / (1 - target)).quantize(CENT, rounding=ROUND_CEILING)
        change = (suggested - price) * units
        uplift += change
        suggestions.append(
            {
                "sku": sku,
                "margin": str(margin.quantize(Decimal("0.0001"))),
                "suggested_price": str(suggested.quantize(CENT)),
                "revenue_change": str(change.quantize(CENT)),
            }
        )
    return {
        "target_margin": str(target),
        "suggestions": suggestions,
        "revenue_change": str(uplift.quantize(CENT)),
    }


def handler(request: Any) -> tuple[str, int, dict[str, str]]:
    payload = request.get_json(silent=True)
    headers = {"Content-Type": "application/json"}
    if not isinstance(payload, dict) or not isinstance(payload.get("products"), list):
        return json.dumps({"error": "expected a JSON object with a 'products' list"}), 400, headers
    try:
        result = optimise(payload["products"], payload.get("target_margin", DEFAULT_TARGET))
    except ValueError as exc:
        return json.dumps({"error": str(exc)}), 400, headers
    return json.dumps(result), 200, headers
