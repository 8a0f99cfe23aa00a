"""The Lambda handlers in functions/<name>/handler.py, as plain Python."""

from __future__ import annotations

import json
from types import ModuleType

import pytest

from tests.conftest import load_handler


def load(name: str) -> ModuleType:
    return load_handler(f"{name}/handler.py")


revenue, inference, analysis = load("revenue_processing"), load("ai_inference"), load("data_analysis")


def body(response: dict) -> dict:
    return json.loads(response["body"])


def test_revenue_sums_completed_minus_refunded_per_currency_without_float_drift():
    event = {
        "transactions": [
            {"id": "a", "amount": "0.10", "currency": "usd", "status": "completed"},
            {"id": "b", "amount": 0.20, "currency": "USD", "status": "completed"},
            {"id": "c", "amount": "5", "currency": "EUR", "status": "completed"},
            {"id": "d", "amount": "1.05", "currency": "EUR", "status": "refunded"},
            {"id": "e", "amount": "9", "currency": "USD", "status": "pending"},
            {"id": "f", "currency": "USD", "status": "completed"},
            {"id": "g", "amount": "3", "currency": "DOLLARS", "status": "completed"},
        ]
    }
    response = revenue.handler(event)
    assert response["statusCode"] == 200
    assert body(response) == {"revenue": {"EUR": "3.95", "USD": "0.30"}, "refunds": 1, "rejected": ["f", "g"]}


def test_revenue_rejects_an_event_without_a_transaction_list():
    assert revenue.handler({"transactions": "nope"})["statusCode"] == 400


def test_inference_scores_with_a_stable_sigmoid():
    result = body(inference.handler({"features": [1.0, 2.0], "weights": [0.5, -0.25], "bias": 0.0}))
    assert result == {"probability": 0.5, "label": 1}
    assert body(inference.handler({"features": [1000.0]}))["probability"] == 1.0
    assert body(inference.handler({"features": [-1000.0]}))["probability"] == 0.0


def test_inference_reports_mismatched_weights_as_a_client_error():
    response = inference.handler({"features": [1.0, 2.0], "weights": [1.0]})
    assert response["statusCode"] == 400
    assert "2 features but 1 weights" in body(response)["error"]


def test_inference_requires_features():
    assert inference.handler({})["statusCode"] == 400


def test_analysis_describes_a_series_and_counts_rejected_values():
    result = body(analysis.handler({"values": [1, 2, 3, 4, 100, "x", True, float("nan")]}))
    assert result["count"] == 5 and result["rejected"] == 3
    assert result["mean"] == pytest.approx(22.0)
    assert result["median"] == 3
    assert result["p95"] == 100
    assert result["stdev"] == pytest.approx(39.0128, rel=1e-4)


def test_analysis_refuses_an_empty_series():
    assert analysis.handler({"values": ["a"]})["statusCode"] == 400
