"""DigitalOcean CDN: a Spaces CDN endpoint in front of the media bucket.

- the origin is the media bucket's domain; edge TTL one hour;
- with a configured domain: a Let's Encrypt certificate for it (DigitalOcean issues and renews
  it, which requires the domain's DNS to be hosted on DigitalOcean) and the endpoint serves
  that domain over HTTPS.

Spaces CDN has no origin access control: it serves objects whose ACL is public-read, so the
bucket stays private and the publisher marks only media objects public (or hands out
presigned URLs).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_digitalocean as digitalocean

from components.context import StackContext

EDGE_TTL_S = 3600


@dataclass(frozen=True)
class DigitalOceanCdnArgs:
    bucket: digitalocean.SpacesBucket
    domain: str | None


class DigitalOceanCdn(pulumi.ComponentResource):
    endpoint: digitalocean.Cdn
    certificate: digitalocean.Certificate | None

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
        self.register_outputs({"endpoint": self.endpoint.endpoint})
