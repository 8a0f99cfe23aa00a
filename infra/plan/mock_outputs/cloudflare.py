"""Realistic outputs for the Cloudflare resources the platform uses (ids are 32 hex digits)."""

from __future__ import annotations

from typing import Any

from infra.plan.mock_outputs import MockContext

CREATED = "2026-01-01T00:00:00Z"


def _hex_id(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    return {"__id": ctx.short_id(name, 32), "id": ctx.short_id(name, 32), "createdOn": CREATED}


def _r2_bucket(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    bucket = inputs.get("name") or name
    return {"__id": bucket, "name": bucket, "creationDate": CREATED, "location": inputs.get("location") or "ENAM"}


def _script(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    script = inputs.get("scriptName") or name
    return {"__id": script, "id": script, "etag": ctx.short_id(name, 64), "createdOn": CREATED}


def _lb(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    return _hex_id(name, inputs, ctx) | {"name": inputs.get("name")}


def _record(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    return _hex_id(name, inputs, ctx) | {"proxiable": True}


OUTPUTS: dict[str, Any] = {
    "cloudflare:index/r2Bucket:R2Bucket": _r2_bucket,
    "cloudflare:index/workersScript:WorkersScript": _script,
    "cloudflare:index/workersRoute:WorkersRoute": _hex_id,
    "cloudflare:index/zoneSetting:ZoneSetting": _hex_id,
    "cloudflare:index/ruleset:Ruleset": _hex_id,
    "cloudflare:index/dnsRecord:DnsRecord": _record,
    "cloudflare:index/loadBalancer:LoadBalancer": _lb,
    "cloudflare:index/loadBalancerPool:LoadBalancerPool": _hex_id,
    "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor": _hex_id,
}
CALLS: dict[str, Any] = {}
