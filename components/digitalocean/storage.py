"""DigitalOcean storage: one Spaces bucket per bucket class, in the configured region.

Every bucket gets, by default:
- a private ACL (nothing is listed or readable anonymously);
- versioning for the stateful classes (artifacts, backups), protect + retain on delete in prod;
- one lifecycle rule from the class intent: caches expire, non-current versions expire after
  the class's noncurrent/retention window, incomplete multipart uploads are aborted;
- CORS (GET/HEAD) only for a class that lists `cors_origins`.

What Spaces cannot express: there are no colder storage tiers, so a class's
`infrequent_after_days` / `archive_after_days` have no effect here (the cost model prices
Spaces at its one rate), and there is no bucket-level encryption setting to turn on or off
(Spaces offers only per-request SSE-C), so `encryption: false` changes nothing on DigitalOcean.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_digitalocean as digitalocean

from components.context import StackContext
from components.specs import ABORT_MULTIPART_DAYS, CORS_MAX_AGE_S, BucketSpec
from infra.config import BucketClass


@dataclass(frozen=True)
class DigitalOceanStorageArgs:
    buckets: list[BucketSpec]
    region: str


def lifecycle_rules(spec: BucketSpec) -> list[digitalocean.SpacesBucketLifecycleRuleArgs]:
    """The class intent as one Spaces lifecycle rule over the whole bucket."""
    expire_days = spec.settings.expire_days
    noncurrent_days = spec.noncurrent_days
    return [
        digitalocean.SpacesBucketLifecycleRuleArgs(
            id=f"{spec.bucket_class.value}-lifecycle",
            enabled=True,
            prefix="",
            abort_incomplete_multipart_upload_days=ABORT_MULTIPART_DAYS,
            expiration=digitalocean.SpacesBucketLifecycleRuleExpirationArgs(days=expire_days) if expire_days else None,
            noncurrent_version_expiration=(
                digitalocean.SpacesBucketLifecycleRuleNoncurrentVersionExpirationArgs(days=noncurrent_days)
                if noncurrent_days
                else None
            ),
        )
    ]


class DigitalOceanStorage(pulumi.ComponentResource):
    """The platform's Spaces buckets; see the module docstring for the defaults."""

    buckets: dict[BucketClass, digitalocean.SpacesBucket]

    def __init__(
        self, name: str, args: DigitalOceanStorageArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:digitalocean:Storage", name, None, opts)
        self.buckets = {spec.bucket_class: self._bucket(name, spec, args.region, ctx) for spec in args.buckets}
        self.register_outputs(
            {f"{c.value}_bucket": b.name for c, b in self.buckets.items()}
            | {f"{c.value}_domain": b.bucket_domain_name for c, b in self.buckets.items()}
        )

    def _bucket(self, name: str, spec: BucketSpec, region: str, ctx: StackContext) -> digitalocean.SpacesBucket:
        role = f"{name}-{spec.bucket_class.value}"
        bucket = digitalocean.SpacesBucket(
            role,
            name=spec.name,
            region=region,
            acl="private",
            force_destroy=ctx.force_destroy(spec.bucket_class is BucketClass.caches),
            versioning=digitalocean.SpacesBucketVersioningArgs(enabled=True) if spec.settings.versioning else None,
            lifecycle_rules=lifecycle_rules(spec),
            opts=ctx.child(self, stateful=spec.stateful),
        )
        if spec.settings.cors_origins:
            digitalocean.SpacesBucketCorsConfiguration(
                f"{role}-cors",
                bucket=bucket.name,
                region=region,
                cors_rules=[
                    digitalocean.SpacesBucketCorsConfigurationCorsRuleArgs(
                        allowed_methods=["GET", "HEAD"],
                        allowed_origins=spec.settings.cors_origins,
                        max_age_seconds=CORS_MAX_AGE_S,
                    )
                ],
                opts=ctx.child(self),
            )
        return bucket
