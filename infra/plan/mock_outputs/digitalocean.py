"""Realistic outputs for the DigitalOcean resources the platform uses (ids, URNs, hostnames)."""

from __future__ import annotations

from typing import Any

from infra.plan.mock_outputs import MockContext

CREATED_AT = "2026-01-01T00:00:00Z"


def _uuid(name: str) -> str:
    h = MockContext.short_id(name, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-8{h[17:20]}-{h[20:]}"


def _spaces_bucket(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    bucket = inputs.get("name") or name
    region = inputs.get("region") or "nyc3"
    return {
        "__id": bucket,
        "name": bucket,
        "region": region,
        "bucketUrn": f"do:space:{bucket}",
        "bucketDomainName": f"{bucket}.{region}.digitaloceanspaces.com",
        "endpoint": f"{region}.digitaloceanspaces.com",
    }


def _cdn(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    origin = str(inputs.get("origin") or f"{name}.nyc3.digitaloceanspaces.com")
    return {
        "__id": _uuid(name),
        "endpoint": origin.replace(".digitaloceanspaces.com", ".cdn.digitaloceanspaces.com"),
        "createdAt": CREATED_AT,
    }


def _certificate(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    uuid = _uuid(name)
    return {
        "__id": uuid,
        "uuid": uuid,
        "state": "verified",
        "notAfter": "2026-04-01T00:00:00Z",
        "sha1Fingerprint": MockContext.short_id(name, 40),
    }


def _vpc(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    uuid = _uuid(name)
    # Without an ip_range DigitalOcean allocates a /20 clear of the team's networks.
    allocated = f"10.{100 + int(MockContext.short_id(name, 4), 16) % 100}.{16 * (int(uuid[:2], 16) % 16)}.0/20"
    return {
        "__id": uuid,
        "vpcUrn": f"do:vpc:{uuid}",
        "default": False,
        "createdAt": CREATED_AT,
        "ipRange": inputs.get("ipRange") or allocated,
    }


def _app(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    uuid = _uuid(name)
    app_name = (inputs.get("spec") or {}).get("name") or name
    host = f"{app_name}-{MockContext.short_id(name, 5)}.ondigitalocean.app"
    return {
        "__id": uuid,
        "appUrn": f"do:app:{uuid}",
        "defaultIngress": f"https://{host}",
        "liveUrl": f"https://{host}",
        "liveDomain": host,
        "activeDeploymentId": _uuid(name + "-deployment"),
        "createdAt": CREATED_AT,
        "updatedAt": CREATED_AT,
    }


def _uuid_only(**extra: Any) -> Any:
    def rule(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
        return {"__id": _uuid(name), "createdAt": CREATED_AT, **extra}

    return rule


OUTPUTS = {
    "digitalocean:index/spacesBucket:SpacesBucket": _spaces_bucket,
    "digitalocean:index/spacesBucketCorsConfiguration:SpacesBucketCorsConfiguration": lambda n, i, c: {
        "__id": i.get("bucket", n)
    },
    "digitalocean:index/cdn:Cdn": _cdn,
    "digitalocean:index/certificate:Certificate": _certificate,
    "digitalocean:index/vpc:Vpc": _vpc,
    "digitalocean:index/tag:Tag": lambda n, i, c: {"__id": i.get("name", n), "totalResourceCount": 0},
    "digitalocean:index/firewall:Firewall": _uuid_only(status="succeeded"),
    "digitalocean:index/dropletAutoscale:DropletAutoscale": _uuid_only(status="active", updatedAt=CREATED_AT),
    "digitalocean:index/app:App": _app,
    "digitalocean:index/monitorAlert:MonitorAlert": lambda n, i, c: {"__id": _uuid(n), "uuid": _uuid(n)},
    "digitalocean:index/spacesBucketObject:SpacesBucketObject": lambda n, i, c: {
        "__id": i.get("key", n),
        "etag": MockContext.short_id(n, 32),
    },
}

CALLS: dict[str, Any] = {}
