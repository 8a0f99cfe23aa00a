"""Descriptive statistics of a numeric series: count, mean, median, p95, standard deviation.

Event: {"values": [number, ...]}. Non-numeric entries are counted as rejected, not fatal.
"""

from __future__ import annotations

import json
import math
import statistics
from typing import Any


def describe(values: list[float]) -> dict[str, float | int]:
    ordered = sorted(values)
    # Nearest-rank percentile: the smallest value with at least 95% of values at or below it.
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return {
        "count": len(ordered),
        "mean": statistics.fmean(ordered),
        "median": statistics.median(ordered),
        "p95": p95,
        "stdev": statistics.pstdev(ordered),
    }


def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    raw = event.get("values")
    if not isinstance(raw, list):
        return {"statusCode": 400, "body": json.dumps({"error": "'values' must be a list"})}
    values = [float(v) for v in raw if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)]
    if not values:
        return {"statusCode": 400, "body": json.dumps({"error": "no numeric values"})}
    return {"statusCode": 200, "body": json.dumps({**describe(values), "rejected": len(raw) - len(values)})}
