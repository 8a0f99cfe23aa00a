"""Accept a signed webhook: verify its HMAC-SHA256 signature, validate it, return the normalized event.

Request (raw web function): JSON body {"id": str, "type": str, "occurred_at": ISO-8601, "data": {}}
with header `x-qmoi-signature: sha256=<hex of HMAC-SHA256(WEBHOOK_SECRET, body)>`.
Fails closed: without WEBHOOK_SECRET configured every request is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from datetime import datetime
from typing import Any

SIGNATURE_HEADER = "x-qmoi-signature"
MAX_BODY_BYTES = 256 * 1024


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str | None) -> bool:
    return bool(signature) and hmac.compare_digest(sign(secret, body), str(signature))


def normalize(payload: Any) -> dict[str, Any]:
    """The event with the fields downstream consumers rely on; ValueError names what is wrong."""
    if not isinstance(payload, dict):
        raise ValueError("body must be a JSON object")
    missing = [k for k in ("id", "type", "occurred_at") if not payload.get(k)]
    if missing:
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    try:
        occurred = datetime.fromisoformat(str(payload["occurred_at"]).replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("occurred_at is not an ISO-8601 timestamp") from None
    if occurred.tzinfo is None:
        raise ValueError("occurred_at needs a time zone")
    data = payload.get("data", {})
    if not isinstance(data, dict):
        raise ValueError("data must be an object")
    return {
        "id": str(payload["id"]),
        "type": str(payload["type"]).lower(),
        "occurred_at": occurred.isoformat(),
        "data": data,
    }


def _response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def handle(body: bytes, headers: dict[str, str], secret: str | None) -> dict[str, Any]:
    if not secret:
        return _response(503, {"error": "webhook secret is not configured"})
    if len(body) > MAX_BODY_BYTES:
        return _response(413, {"error": f"body larger than {MAX_BODY_BYTES} bytes"})
    lowered = {k.lower(): v for k, v in headers.items()}
    if not verify(secret, body, lowered.get(SIGNATURE_HEADER)):
        return _response(401, {"error": "bad or missing signature"})
    try:
        event = normalize(json.loads(body or b"null"))
    except (ValueError, json.JSONDecodeError) as exc:
        return _response(400, {"error": str(exc)})
    return _response(202, {"accepted": event})


def main(args: dict[str, Any]) -> dict[str, Any]:
    """DigitalOcean Functions entry point (raw web function: the request is under `http`)."""
    http = args.get("http") or {}
    raw = http.get("body") or ""
    body = base64.b64decode(raw) if http.get("isBase64Encoded") else str(raw).encode()
    return handle(body, http.get("headers") or {}, os.environ.get("WEBHOOK_SECRET"))
