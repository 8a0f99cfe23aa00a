"""GCP storage: one Cloud Storage bucket per bucket class, an access-log bucket, optional CMEK.

Every bucket gets, by default:
- uniform bucket-level access (IAM only, no object ACLs) and public access prevention
  `enforced`, so no IAM binding can ever make it public. The one exception is a class served
  by Cloud CDN (`public_read`, media when the CDN is on): Cloud CDN forwards unsigned requests
  to Cloud Storage as they are, so a private bucket answers every viewer with 403. Its objects
  are readable by anyone (`roles/storage.legacyObjectReader`: objects.get only, no listing,
  no bucket metadata); what the CDN publishes is public anyway;
- encryption at rest: Google-managed keys always; with `gcp.cmek: true` a KMS key ring and
  key (rotated every 90 days) in the bucket's region, with the Cloud Storage service agent
  granted encrypter/decrypter on it (the tiers' boot disks use the same key). A class with
  `encryption: false` keeps Google's default encryption only (Cloud Storage cannot store
  unencrypted data);
- versioning for stateful classes (artifacts, backups, media), and lifecycle rules from the class
  intent: delete after N days (caches), NEARLINE then COLDLINE (the shared "infrequent"
  and "archive" tiers), then ARCHIVE after a year for archived classes kept that long
  (backups; Archive's 365-day minimum storage makes it wrong any earlier); non-current
  versions deleted after the class window; stale multipart uploads aborted after 7 days;
- soft delete for `retention_days` (backups: 30 days); 0 on caches, which are disposable;
  the Cloud Storage default of 7 days elsewhere. A retention policy (bucket lock) is not
  used because Cloud Storage does not allow it together with object versioning;
- usage and storage logs written to the log bucket (which grants the Cloud Storage
  analytics group object-create only), and labels from the stack tags plus `bucket-class`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.context import StackContext
from components.specs import ABORT_MULTIPART_DAYS, CORS_MAX_AGE_S, BucketSpec, StorageTier
from infra.config import BucketClass

LOG_RETENTION_DAYS = 365
DEFAULT_SOFT_DELETE_DAYS = 7
KEY_ROTATION = f"{90 * 24 * 3600}s"
# Archive storage has a 365-day minimum; objects that old and still kept are moved there.
DEEP_ARCHIVE_AFTER_DAYS = 365
STORAGE_CLASSES = {StorageTier.infrequent: "NEARLINE", StorageTier.archive: "COLDLINE"}
ENCRYPTER_DECRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
# Google's group that writes Cloud Storage usage and storage logs.
STORAGE_ANALYTICS = "group:cloud-storage-analytics@google.com"
# Read one object by name: storage.objects.get, without storage.objects.list (no listing).
PUBLIC_OBJECT_READER = "roles/storage.legacyObjectReader"


@dataclass(frozen=True)
class GcpStorageArgs:
    buckets: list[BucketSpec]
    log_bucket_name: str
    location: str
    cmek: bool = False
    # Classes served to anonymous viewers by Cloud CDN: objects readable by anyone (see above).
    public_read: frozenset[BucketClass] = field(default_factory=frozenset)


def _rule(
    action: str,
    storage_class: str | None = None,
    *,
    age: int | None = None,
    matches_storage_classes: list[str] | None = None,
    days_since_noncurrent_time: int | None = None,
    with_state: str | None = None,
) -> gcp.storage.BucketLifecycleRuleArgs:
    return gcp.storage.BucketLifecycleRuleArgs(
        action=gcp.storage.BucketLifecycleRuleActionArgs(type=action, storage_class=storage_class),
        condition=gcp.storage.BucketLifecycleRuleConditionArgs(
            age=age,
            matches_storage_classes=matches_storage_classes,
            days_since_noncurrent_time=days_since_noncurrent_time,
            with_state=with_state,
        ),
    )


def lifecycle_rules(spec: BucketSpec) -> list[gcp.storage.BucketLifecycleRuleArgs]:
    """The class intent as Cloud Storage lifecycle rules (each transition only moves colder)."""
    s = spec.settings
    steps = [(days, STORAGE_CLASSES[tier]) for days, tier in spec.transitions]
    archived = bool(spec.transitions) and spec.transitions[-1][1] is StorageTier.archive
    if archived and (s.expire_days is None or s.expire_days > DEEP_ARCHIVE_AFTER_DAYS):
        steps.append((max(DEEP_ARCHIVE_AFTER_DAYS, steps[-1][0] + 30), "ARCHIVE"))
    rules = []
    warmer = ["STANDARD"]
    for days, storage_class in steps:
        rules.append(_rule("SetStorageClass", storage_class, age=days, matches_storage_classes=list(warmer)))
        warmer.append(storage_class)
    if s.expire_days:
        rules.append(_rule("Delete", age=s.expire_days))
    if spec.noncurrent_days:
        rules.append(_rule("Delete", days_since_noncurrent_time=spec.noncurrent_days, with_state="ARCHIVED"))
    rules.append(_rule("AbortIncompleteMultipartUpload", age=ABORT_MULTIPART_DAYS))
    return rules


def soft_delete_days(spec: BucketSpec) -> int:
    if spec.settings.retention_days:
        return spec.settings.retention_days
    return 0 if spec.bucket_class is BucketClass.caches else DEFAULT_SOFT_DELETE_DAYS


class GcpStorage(pulumi.ComponentResource):
    """The platform's Cloud Storage buckets; see the module docstring for the defaults."""

    buckets: dict[BucketClass, gcp.storage.Bucket]
    log_bucket: gcp.storage.Bucket
    key: gcp.kms.CryptoKey | None
    # Per public-read class, the grant that makes its objects readable (what serving waits for).
    public_grants: dict[BucketClass, gcp.storage.BucketIAMMember]
    # What a bucket encrypted with `key` must wait for (the storage agent's grant on it); empty without CMEK.
    key_ready: list[pulumi.Resource]

    def __init__(
        self, name: str, args: GcpStorageArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:gcp:Storage", name, None, opts)
        self.key = None
        key_grant: list[pulumi.Resource] = []
        if args.cmek:
            self.key, grant = self._key(name, args.location, ctx)
            key_grant = [grant]
        self.key_ready = key_grant
        self.log_bucket = self._log_bucket(name, args, ctx)
        self.buckets = {spec.bucket_class: self._bucket(name, spec, args, ctx, key_grant) for spec in args.buckets}
        self.public_grants = {
            cls: gcp.storage.BucketIAMMember(
                f"{name}-{cls.value}-public-read",
                bucket=bucket.name,
                role=PUBLIC_OBJECT_READER,
                member="allUsers",
                opts=ctx.child(self),
            )
            for cls, bucket in self.buckets.items()
            if cls in args.public_read
        }
        self.register_outputs(
            {f"{c.value}_bucket": b.name for c, b in self.buckets.items()} | {"log_bucket": self.log_bucket.name}
        )

    def _key(self, name: str, location: str, ctx: StackContext) -> tuple[gcp.kms.CryptoKey, pulumi.Resource]:
        # Key rings and keys cannot be deleted in Cloud KMS: both are stateful.
        ring = gcp.kms.KeyRing(
            f"{name}-keyring",
            name=f"{ctx.prefix}",
            location=location.lower(),  # KMS locations are lowercase; bucket locations are not case-sensitive
            opts=ctx.child(self, stateful=True),
        )
        key = gcp.kms.CryptoKey(
            f"{name}-key",
            name="data",
            key_ring=ring.id,
            purpose="ENCRYPT_DECRYPT",
            rotation_period=KEY_ROTATION,
            labels=ctx.tags_with(role="data-key"),
            opts=ctx.child(self, stateful=True),
        )
        agent = gcp.storage.get_project_service_account_output(opts=pulumi.InvokeOutputOptions(parent=self))
        grant = gcp.kms.CryptoKeyIAMMember(
            f"{name}-key-storage-agent",
            crypto_key_id=key.id,
            role=ENCRYPTER_DECRYPTER,
            member=agent.member,
            opts=ctx.child(self),
        )
        return key, grant

    def _log_bucket(self, name: str, args: GcpStorageArgs, ctx: StackContext) -> gcp.storage.Bucket:
        bucket = gcp.storage.Bucket(
            f"{name}-logs",
            name=args.log_bucket_name,
            location=args.location,
            storage_class="STANDARD",
            uniform_bucket_level_access=True,
            public_access_prevention="enforced",
            versioning=gcp.storage.BucketVersioningArgs(enabled=False),
            lifecycle_rules=[_rule("Delete", age=LOG_RETENTION_DAYS)],
            labels=ctx.tags_with(role="access-logs"),
            force_destroy=ctx.force_destroy(),
            opts=ctx.child(self, stateful=True),
        )
        gcp.storage.BucketIAMMember(
            f"{name}-logs-writer",
            bucket=bucket.name,
            role="roles/storage.objectCreator",
            member=STORAGE_ANALYTICS,
            opts=ctx.child(self),
        )
        return bucket

    def _bucket(
        self, name: str, spec: BucketSpec, args: GcpStorageArgs, ctx: StackContext, key_grant: list[pulumi.Resource]
    ) -> gcp.storage.Bucket:
        role = f"{name}-{spec.bucket_class.value}"
        encryption = None
        if self.key is not None and spec.settings.encryption:
            encryption = gcp.storage.BucketEncryptionArgs(default_kms_key_name=self.key.id)
        elif self.key is not None:
            pulumi.log.warn(f"{role}: customer-managed key opted out; Google-managed encryption only")
        cors = [
            gcp.storage.BucketCorArgs(
                origins=spec.settings.cors_origins, methods=["GET", "HEAD"], max_age_seconds=CORS_MAX_AGE_S
            )
        ]
        return gcp.storage.Bucket(
            role,
            name=spec.name,
            location=args.location,
            storage_class="STANDARD",
            uniform_bucket_level_access=True,
            public_access_prevention="inherited" if spec.bucket_class in args.public_read else "enforced",
            force_destroy=ctx.force_destroy(spec.bucket_class is BucketClass.caches),
            versioning=gcp.storage.BucketVersioningArgs(enabled=spec.settings.versioning),
            lifecycle_rules=lifecycle_rules(spec),
            soft_delete_policy=gcp.storage.BucketSoftDeletePolicyArgs(
                retention_duration_seconds=soft_delete_days(spec) * 24 * 3600
            ),
            encryption=encryption,
            logging=gcp.storage.BucketLoggingArgs(
                log_bucket=self.log_bucket.name, log_object_prefix=f"{spec.bucket_class.value}/"
            ),
            cors=cors if spec.settings.cors_origins else None,
            labels=ctx.tags_with(**{"bucket-class": spec.bucket_class.value}),
            opts=ctx.child(self, stateful=spec.stateful, depends_on=key_grant),
        )
