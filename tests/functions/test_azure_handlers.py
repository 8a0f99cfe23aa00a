"""The Azure Functions handlers' plain logic (the function_app.py wrappers need azure-functions)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from functions.health_monitoring.logic import assess
from functions.platform_sync.logic import plan_sync
from functions.revenue_generation.logic import project_revenue

ROOT = Path(__file__).resolve().parents[2] / "functions"


def test_revenue_projection_sums_active_seats_per_plan_in_exact_cents():
    result = project_revenue(
        [
            {"plan": "pro", "seats": 3, "unit_price": "19.99"},
            {"plan": "pro", "seats": 1, "unit_price": 19.99},
            {"plan": "team", "seats": 2, "unit_price": "49.10", "status": "cancelled"},
            {"plan": "bad", "seats": "x", "unit_price": 1},
        ]
    )
    assert result == {"mrr": {"pro": "79.96"}, "total_mrr": "79.96", "churned_seats": 2, "rejected": [3]}


def test_platform_sync_lists_what_to_create_delete_and_which_keys_to_update():
    result = plan_sync({"a": {"size": 1}, "b": {"size": 2}}, {"b": {"size": 3}, "c": {}})
    assert result == {"create": ["a"], "delete": ["c"], "update": {"b": ["size"]}, "in_sync": False}
    assert plan_sync({"a": {}}, {"a": {}})["in_sync"] is True


def test_health_is_down_only_when_a_critical_component_is_down():
    checks: list[dict[str, Any]] = [
        {"component": "db", "status": "down", "critical": True},
        {"component": "cdn", "status": "ok"},
    ]
    assert assess(checks)["status"] == "down"
    assert assess(checks)["http_status"] == 503
    degraded = assess([{"component": "cache", "status": "down", "critical": False}])
    assert (degraded["status"], degraded["http_status"]) == ("degraded", 200)


def test_each_azure_app_has_an_http_function_host_json_and_only_azure_functions_as_requirement():
    for name in ("revenue_generation", "platform_sync", "health_monitoring"):
        folder = ROOT / name
        assert "@app.route(" in (folder / "function_app.py").read_text()
        assert json.loads((folder / "host.json").read_text())["version"] == "2.0"
        assert (folder / "requirements.txt").read_text().split() == ["azure-functions"]
