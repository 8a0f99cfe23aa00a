"""DigitalOcean CDN: a Spaces CDN endpoint in front of the media bucket.

- the origin is the media bucket's domain; edge TTL one hour;
- a health object `healthz.txt` (public-read, "ok", `Cache-Control: no-cache, max-age=0`): the
  path the edge's load-balancer monitor probes, answered with 200 by the endpoint from the
  bucket, not from the endpoint's one-hour cache;
- with a configured domain: a Let's Encrypt certificate for it and the endpoint serves that
  domain over HTTPS. DigitalOcean issues it only for a domain whose DNS it hosts, so the
  configuration refuses a domain in one of the stack's Cloudflare zones; the shipped stacks set
  none and serve the endpoint through Cloudflare (the load balancer's digitalocean pool).

Spaces CDN has no origin access control: it serves objects whose ACL is public-read, so the
bucket stays private and the publisher marks only media objects public (or hands out
presigned URLs). Its hostname cannot be locked to the edge (docs/digitalocean.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_digitalocean as digitalocean

from components.context import StackContext
from components.specs import HEALTH_BODY, HEALTH_CACHE_CONTROL

EDGE_TTL_S = 3600
HEALTH_OBJECT = "healthz.txt"


@dataclass(frozen=True)
class DigitalOceanCdnArgs:
    bucket: digitalocean.SpacesBucket
    domain: str | None


class DigitalOceanCdn(pulumi.ComponentResource):
    endpoint: digitalocean.Cdn
    certificate: digitalocean.Certificate | None
    health_object: digitalocean.SpacesBucketObject
    health_path: str

    def __init__(
        self, name: str, args: DigitalOceanCdnArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:digitalocean:Cdn", name, None, opts)
        self.certificate = None
        if args.domain:
            self.certificate = digitalocean.Certificate(
                f"{name}-certificate",
                name=f"{ctx.prefix}-media",
                type="lets_encrypt",
                domains=[args.domain],
                opts=ctx.child(self),
            )
        self.endpoint = digitalocean.Cdn(
            f"{name}-endpoint",
            origin=args.bucket.bucket_domain_name,
            ttl=EDGE_TTL_S,
            custom_domain=args.domain or None,
            certificate_name=self.certificate.name if self.certificate else None,
            opts=ctx.child(self),
        )
        self.health_object = digitalocean.SpacesBucketObject(
            f"{name}-health",
            bucket=args.bucket.name,
            region=args.bucket.region,
            key=HEALTH_OBJECT,
            content=HEALTH_BODY,
            content_type="text/plain",
            cache_control=HEALTH_CACHE_CONTROL,  # the endpoint's 1 h TTL would answer the monitor from its cache
            acl="public-read",  # the Spaces CDN serves public-read objects only; this one says "ok"
            opts=ctx.child(self),
        )
        self.health_path = f"/{HEALTH_OBJECT}"
        self.register_outputs({"endpoint": self.endpoint.endpoint})
