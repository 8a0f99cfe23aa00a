"""Roll component health checks up into one platform status.

Input: {"checks": [{"component": str, "status": "ok" | "degraded" | "down", "critical": bool}]}.
A critical component down makes the platform down; anything else not ok makes it degraded.
"""

from __future__ import annotations

from typing import Any

LEVELS = {"ok": 0, "degraded": 1, "down": 2}


def assess(checks: list[dict[str, Any]]) -> dict[str, Any]:
    failing = {c["component"]: c["status"] for c in checks if c.get("status") != "ok"}
    unknown = sorted(name for name, status in failing.items() if status not in LEVELS)
    critical_down = any(c.get("critical") and c.get("status") == "down" for c in checks)
    status = "down" if critical_down else "degraded" if failing else "ok"
    return {
        "status": status,
        "failing": dict(sorted(failing.items())),
        "unknown_status": unknown,
        "http_status": 503 if status == "down" else 200,
    }
