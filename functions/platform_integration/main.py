"""Normalise platform events from the clouds into one envelope for downstream consumers.

Request (POST JSON): one event as the provider's eventing sends it: a CloudEvent
(`specversion`, `type`, `source`, `id`, `time`), an EventBridge event (`detail-type`,
`source`, `id`, `time`, `resources`) or an Event Grid event (`eventType`, `subject`, `id`,
`eventTime`). The response is {"provider", "type", "resource", "id", "time"}; anything
else is rejected with 400. Cloud Functions (gen2) HTTP entry point: `handler(request)`;
the logic is `normalise`, plain Python.
"""

from __future__ import annotations

import json
from typing import Any


class UnknownEventError(ValueError):
    """The payload is not an event shape this function knows."""


def _required(event: dict[str, Any], *keys: str) -> list[str]:
    missing = [k for k in keys if not event.get(k)]
    if missing:
        raise UnknownEventError(f"missing {', '.join(missing)}")
    return [str(event[k]) for k in keys]


def normalise(event: dict[str, Any]) -> dict[str, str]:
    if "specversion" in event:
        kind, source, event_id, time = _required(event, "type", "source", "id", "time")
        provider = "gcp" if source.startswith("//") and "googleapis.com" in source else "cloudevents"
        resource = str(event.get("subject") or source)
    elif "detail-type" in event:
        kind, source, event_id, time = _required(event, "detail-type", "source", "id", "time")
        provider = "aws"
        resources = event.get("resources") or [source]
        resource = str(resources[0])
    elif "eventType" in event:
        kind, resource, event_id, time = _required(event, "eventType", "subject", "id", "eventTime")
        provider = "azure"
    else:
        raise UnknownEventError("not a CloudEvent, EventBridge or Event Grid event")
    return {"provider": provider, "type": kind, "resource": resource, "id": event_id, "time": time}


def handler(request: Any) -> tuple[str, int, dict[str, str]]:
    payload = request.get_json(silent=True)
    headers = {"Content-Type": "application/json"}
    if not isinstance(payload, dict):
        return json.dumps({"error": "expected one JSON event object"}), 400, headers
    try:
        return json.dumps(normalise(payload)), 200, headers
    except UnknownEventError as exc:
        return json.dumps({"error": str(exc)}), 400, headers
