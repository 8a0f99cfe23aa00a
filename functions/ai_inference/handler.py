"""Score a feature vector with a logistic model shipped in the event or the defaults.

Event: {"features": [float, ...], "weights": [float, ...] (optional), "bias": float
(optional), "threshold": float (optional, default 0.5)}. Returns probability and label.
"""

from __future__ import annotations

import json
import math
from typing import Any


def score(features: list[float], weights: list[float], bias: float) -> float:
    if len(features) != len(weights):
        raise ValueError(f"{len(features)} features but {len(weights)} weights")
    z = bias + sum(f * w for f, w in zip(features, weights, strict=True))
    # Numerically stable sigmoid for large |z|.
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    try:
        features = [float(x) for x in event["features"]]
        weights = [float(x) for x in event.get("weights", [1.0] * len(features))]
        probability = score(features, weights, float(event.get("bias", 0.0)))
    except (KeyError, TypeError, ValueError) as exc:
        return {"statusCode": 400, "body": json.dumps({"error": str(exc) or "missing 'features'"})}
    threshold = float(event.get("threshold", 0.5))
    return {
        "statusCode": 200,
        "body": json.dumps({"probability": round(probability, 6), "label": int(probability >= threshold)}),
    }
