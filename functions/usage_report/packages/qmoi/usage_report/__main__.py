"""Summarize month-to-date spend against the budget: totals per provider, share of budget, alerts.

Parameters: {"budget_usd": float, "alert_percent": float (default 80), "usage": [{"provider": str,
"service": str, "usd": float}, ...]}. Returns the totals and which providers/stack cross the alert.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any


def summarize(usage: list[dict[str, Any]], budget_usd: float, alert_percent: float = 80.0) -> dict[str, Any]:
    if budget_usd <= 0:
        raise ValueError("budget_usd must be positive")
    per_provider: dict[str, float] = defaultdict(float)
    per_service: dict[str, float] = defaultdict(float)
    for i, record in enumerate(usage):
        try:
            provider, service, usd = str(record["provider"]), str(record["service"]), float(record["usd"])
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"usage[{i}] needs provider, service and a numeric usd") from None
        if usd < 0:
            raise ValueError(f"usage[{i}].usd is negative")
        per_provider[provider] += usd
        per_service[f"{provider}/{service}"] += usd
    total = sum(per_provider.values())
    percent = 100 * total / budget_usd
    return {
        "total_usd": round(total, 2),
        "budget_usd": budget_usd,
        "percent_of_budget": round(percent, 1),
        "alert": percent >= alert_percent,
        "providers": {p: round(v, 2) for p, v in sorted(per_provider.items(), key=lambda kv: -kv[1])},
        "top_services": [s for s, _ in sorted(per_service.items(), key=lambda kv: -kv[1])[:5]],
    }


def main(args: dict[str, Any]) -> dict[str, Any]:
    """DigitalOcean Functions entry point (web function: parameters arrive in `args`)."""
    try:
        report = summarize(
            list(args.get("usage") or []),
            float(args.get("budget_usd", 0)),
            float(args.get("alert_percent", 80.0)),
        )
    except (TypeError, ValueError) as exc:
        return {"statusCode": 400, "body": {"error": str(exc)}}
    return {"statusCode": 200, "body": report}
