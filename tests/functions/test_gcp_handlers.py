"""The Cloud Functions (gen2) handlers in functions/<name>/main.py, as plain Python."""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import ROOT, load_handler


def load(name: str) -> ModuleType:
    return load_handler(f"{name}/main.py")


optimisation, integration, errors = load("revenue_optimization"), load("platform_integration"), load("error_handling")


class Request:
    """The part of functions-framework's (Flask) request the handlers use."""

    def __init__(self, payload: Any) -> None:
        self.payload = payload

    def get_json(self, silent: bool = False) -> Any:
        return self.payload


def call(module: ModuleType, payload: Any) -> tuple[int, dict]:
    body, status, headers = module.handler(Request(payload))
    assert headers["Content-Type"] == "application/json"
    return status, json.loads(body)


@pytest.mark.parametrize("name", ["revenue_optimization", "platform_integration", "error_handling"])
def test_every_gcp_handler_folder_declares_functions_framework(name):
    assert "functions-framework" in (ROOT / "functions" / name / "requirements.txt").read_text()


def test_products_below_target_margin_get_a_price_rounded_up_to_the_cent():
    result = optimisation.optimise(
        [{"sku": "a", "price": 10, "unit_cost": 8, "units": 3}, {"sku": "b", "price": 10, "unit_cost": 5, "units": 1}],
        "0.3",
    )
    a, b = result["suggestions"]
    assert a == {"sku": "a", "margin": "0.2000", "suggested_price": "11.43", "revenue_change": "4.29"}
    assert b["suggested_price"] == "10.00" and b["revenue_change"] == "0.00"
    assert result["revenue_change"] == "4.29"


def test_optimisation_rejects_bad_input_with_400():
    assert call(optimisation, {"products": "nope"})[0] == 400
    status, body = call(optimisation, {"products": [{"price": "x", "unit_cost": 1}]})
    assert status == 400 and "products[0].price" in body["error"]
    assert call(optimisation, {"products": [], "target_margin": 1})[0] == 400
    assert call(optimisation, None)[0] == 400


def test_optimisation_answers_200_with_the_summary():
    status, body = call(optimisation, {"products": [{"sku": "z", "price": 2, "unit_cost": 1, "units": 10}]})
    assert status == 200 and body["target_margin"] == "0.30" and body["suggestions"][0]["margin"] == "0.5000"


def test_events_from_each_cloud_are_normalised_to_one_envelope():
    cloud_event = {
        "specversion": "1.0",
        "type": "google.cloud.storage.object.v1.finalized",
        "source": "//storage.googleapis.com/projects/_/buckets/media",
        "subject": "objects/a.png",
        "id": "1",
        "time": "2026-01-01T00:00:00Z",
    }
    bridge = {
        "detail-type": "EC2 Instance State-change Notification",
        "source": "aws.ec2",
        "id": "2",
        "time": "2026-01-01T00:00:00Z",
        "resources": ["arn:aws:ec2:us-east-1:1:instance/i-1"],
    }
    grid = {
        "eventType": "Microsoft.Storage.BlobCreated",
        "subject": "/blobs/a.png",
        "id": "3",
        "eventTime": "2026-01-01T00:00:00Z",
    }
    assert integration.normalise(cloud_event) == {
        "provider": "gcp",
        "type": "google.cloud.storage.object.v1.finalized",
        "resource": "objects/a.png",
        "id": "1",
        "time": "2026-01-01T00:00:00Z",
    }
    assert integration.normalise(bridge)["resource"] == "arn:aws:ec2:us-east-1:1:instance/i-1"
    assert integration.normalise(grid)["provider"] == "azure"


def test_unknown_or_incomplete_events_are_rejected_with_400():
    assert call(integration, {"hello": "world"})[0] == 400
    status, body = call(integration, {"specversion": "1.0", "type": "t", "source": "s", "id": "1"})
    assert status == 400 and body["error"] == "missing time"
    assert call(integration, ["not", "an", "object"])[0] == 400


def test_errors_that_differ_only_in_ids_and_numbers_are_one_group():
    reports = [
        {"service": "api", "message": f"timeout after {n} ms for user 'u{n}'", "severity": "error"} for n in range(5)
    ]
    result = errors.triage([*reports, {"service": "api", "message": "disk full", "severity": "warning"}])
    first, second = result["groups"]
    assert first["count"] == 5 and first["page"] is True
    assert second["count"] == 1 and second["page"] is False
    assert result["page"] is True


def test_a_single_critical_error_pages_and_repeated_warnings_do_not():
    assert errors.triage([{"service": "db", "message": "primary down", "severity": "critical"}])["page"] is True
    warnings = [{"service": "db", "message": "slow query 12", "severity": "warning"}] * 10
    assert errors.triage(warnings)["page"] is False


def test_error_handling_answers_400_without_a_list_and_200_with_one():
    assert call(errors, {"errors": {}})[0] == 400
    status, body = call(errors, {"errors": [{"service": "x", "message": "boom", "severity": "bogus"}]})
    assert status == 200 and body["groups"][0]["severity"] == "error"
