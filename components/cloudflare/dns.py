"""Cloudflare DNS: the configured hostnames of every zone, pointing at the edge.

Each hostname in `cloudflare.zones[].hostnames` is a proxied CNAME (TTL automatic) to the
edge target: the load balancer hostname when there is one, otherwise the first cloud origin.
Proxied means clients reach Cloudflare, never the origin directly, so the zone's TLS, HSTS,
cache rules and Workers apply. Records carry the required tags as `key:value` DNS record tags
(tags need a paid zone plan) and a comment naming the stack.
"""

from __future__ import annotations

import pulumi
import pulumi_cloudflare as cloudflare

from components.common import StackContext
from infra.config import CloudflareZone

AUTOMATIC_TTL = 1


class CloudflareDns(pulumi.ComponentResource):
    records: dict[str, cloudflare.DnsRecord]

    def __init__(
        self,
        name: str,
        zones: list[CloudflareZone],
        target: pulumi.Input[str],
        ctx: StackContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("qmoi:cloudflare:Dns", name, None, opts)
        tags = [f"{k}:{v}" for k, v in sorted(ctx.tags.items())]
        self.records = {
            hostname: cloudflare.DnsRecord(
                f"{name}-{hostname.replace('.', '-')}",
                zone_id=zone.zone_id,
                name=hostname,
                type="CNAME",
                content=target,
                proxied=True,
                ttl=AUTOMATIC_TTL,
                comment=f"qmoi-cloud {ctx.environment}: served through the Cloudflare edge",
                tags=tags,
                opts=ctx.child(self),
            )
            for zone in zones
            for hostname in zone.hostnames
        }
        self.register_outputs({"hostnames": list(self.records)})
