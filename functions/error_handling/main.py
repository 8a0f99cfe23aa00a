"""Group error reports by fingerprint and decide which groups page the on-call engineer.

Request (POST JSON): {"errors": [{"service": str, "message": str, "severity":
"debug"|"info"|"warning"|"error"|"critical"}]}. Messages are fingerprinted after removing
what varies between occurrences (numbers, hex ids, quoted values), so one bug is one
group. A group pages when it is critical or repeats at least PAGE_AFTER times at error
level. Cloud Functions (gen2) HTTP entry point: `handler(request)`; the logic is `triage`,
plain Python.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

SEVERITIES = ("debug", "info", "warning", "error", "critical")
PAGE_AFTER = 5
_VARIABLE = re.compile(r"'[^']*'|\"[^\"]*\"|\b0x[0-9a-f]+\b|\b[0-9a-f]{8,}\b|\d+", re.IGNORECASE)


def fingerprint(service: str, message: str) -> str:
    shape = _VARIABLE.sub("<>", message.strip().lower())
    return hashlib.sha256(f"{service}\n{shape}".encode()).hexdigest()[:16]


def triage(errors: list[dict[str, Any]]) -> dict[str, Any]:
    groups: dict[str, dict[str, Any]] = {}
    for report in errors:
        service = str(report.get("service") or "unknown")
        message = str(report.get("message") or "")
        severity = str(report.get("severity") or "error").lower()
        if severity not in SEVERITIES:
            severity = "error"
        key = fingerprint(service, message)
        group = groups.setdefault(
            key, {"fingerprint": key, "service": service, "example": message, "count": 0, "severity": severity}
        )
        group["count"] += 1
        if SEVERITIES.index(severity) > SEVERITIES.index(group["severity"]):
            group["severity"] = severity
    for group in groups.values():
        level = SEVERITIES.index(group["severity"])
        group["page"] = group["severity"] == "critical" or (
            level >= SEVERITIES.index("error") and group["count"] >= PAGE_AFTER
        )
    ordered = sorted(groups.values(), key=lambda g: (-SEVERITIES.index(g["severity"]), -g["count"]))
    return {"groups": ordered, "page": any(g["page"] for g in ordered)}


def handler(request: Any) -> tuple[str, int, dict[str, str]]:
    payload = request.get_json(silent=True)
    headers = {"Content-Type": "application/json"}
    if not isinstance(payload, dict) or not isinstance(payload.get("errors"), list):
        return json.dumps({"error": "expected a JSON object with an 'errors' list"}), 400, headers
    return json.dumps(triage(payload["errors"])), 200, headers
