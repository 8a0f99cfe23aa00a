"""The DigitalOcean Functions handlers (functions/<name>/packages/qmoi/<name>/__main__.py), stdlib only."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import load_handler

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
SECRET = "whsec-test"


def load(name: str) -> ModuleType:
    return load_handler(f"{name}/packages/qmoi/{name}/__main__.py")


webhook = load("webhook_ingest")
usage = load("usage_report")

EVENT = {"id": "evt_1", "type": "Invoice.Paid", "occurred_at": "2026-11-26T08:00:00Z", "data": {"usd": 12.5}}


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {"X-Qmoi-Signature": webhook.sign(secret, body)}


def test_a_correctly_signed_event_is_accepted_and_normalized():
    body = json.dumps(EVENT).encode()
    response = webhook.handle(body, signed(body), SECRET)
    assert response["statusCode"] == 202
    accepted = json.loads(response["body"])["accepted"]
    assert accepted == {
        "id": "evt_1",
        "type": "invoice.paid",
        "occurred_at": "2026-11-26T08:00:00+00:00",
        "data": {"usd": 12.5},
    }


@pytest.mark.parametrize("headers", [{}, {"x-qmoi-signature": "sha256=00"}])
def test_a_missing_or_wrong_signature_is_refused(headers):
    assert webhook.handle(json.dumps(EVENT).encode(), headers, SECRET)["statusCode"] == 401


def test_a_body_signed_with_another_secret_is_refused():
    body = json.dumps(EVENT).encode()
    assert webhook.handle(body, signed(body, "other"), SECRET)["statusCode"] == 401


def test_without_a_configured_secret_every_request_is_refused():
    body = json.dumps(EVENT).encode()
    assert webhook.handle(body, signed(body), None)["statusCode"] == 503


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"type": "x", "occurred_at": "2026-01-01T00:00:00Z"}, "missing field(s): id"),
        ({**EVENT, "occurred_at": "yesterday"}, "not an ISO-8601 timestamp"),
        ({**EVENT, "occurred_at": "2026-01-01T00:00:00"}, "needs a time zone"),
        ({**EVENT, "data": [1]}, "data must be an object"),
        ([1, 2], "must be a JSON object"),
    ],
)
def test_an_invalid_event_is_a_400_that_says_what_is_wrong(payload, error):
    body = json.dumps(payload).encode()
    response = webhook.handle(body, signed(body), SECRET)
    assert response["statusCode"] == 400 and error in json.loads(response["body"])["error"]


def test_an_oversized_body_is_refused_before_parsing():
    body = b"x" * (webhook.MAX_BODY_BYTES + 1)
    assert webhook.handle(body, signed(body), SECRET)["statusCode"] == 413


def test_the_entry_point_reads_a_base64_raw_http_request(monkeypatch):
    monkeypatch.setenv("WEBHOOK_SECRET", SECRET)
    body = json.dumps(EVENT).encode()
    http = {"body": base64.b64encode(body).decode(), "isBase64Encoded": True, "headers": signed(body)}
    assert webhook.main({"http": http})["statusCode"] == 202


RECORDS = [
    {"provider": "aws", "service": "ec2", "usd": 600},
    {"provider": "digitalocean", "service": "droplets", "usd": 250.25},
    {"provider": "aws", "service": "s3", "usd": 50},
]


def test_usage_is_totalled_per_provider_largest_first_against_the_budget():
    report = usage.summarize(RECORDS, budget_usd=1000, alert_percent=80)
    assert report["total_usd"] == 900.25
    assert list(report["providers"].items()) == [("aws", 650.0), ("digitalocean", 250.25)]
    assert report["percent_of_budget"] == 90.0 and report["alert"] is True
    assert report["top_services"][0] == "aws/ec2"


def test_spend_below_the_alert_threshold_does_not_alert():
    assert usage.summarize(RECORDS, budget_usd=5000)["alert"] is False


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({"budget_usd": 0, "usage": []}, "budget_usd must be positive"),
        ({"budget_usd": 10, "usage": [{"provider": "aws"}]}, "usage[0] needs provider, service"),
        ({"budget_usd": 10, "usage": [{"provider": "aws", "service": "s3", "usd": -1}]}, "usage[0].usd is negative"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_problem(args, error):
    response = usage.main(args)
    assert response["statusCode"] == 400 and error in response["body"]["error"]


def test_the_entry_point_returns_the_report_for_web_parameters():
    response = usage.main({"budget_usd": "1000", "usage": RECORDS})
    assert response["statusCode"] == 200 and response["body"]["total_usd"] == 900.25
