"""AWS storage: one S3 bucket per bucket class, KMS keys, and an access-log bucket.

Every bucket gets, by default:
- SSE-KMS with a customer-managed key (rotation on) and an S3 bucket key (fewer KMS calls);
  a class may opt out with `encryption: false`, which the policy pack then flags. Media has
  a key of its own: the CDN that serves it must be allowed to decrypt in the key policy,
  and that grant stays off the key of artifacts, caches and backups;
- an explicit key policy on every key (the account administers it through IAM). Where
  another component owns a class's policies (`external_policy`, e.g. the CDN for media, whose
  grant names the distribution), that component writes the key policy as well, once;
- all four public-access-block flags and BucketOwnerEnforced (ACLs disabled);
- a bucket policy denying non-TLS requests (except where another component owns the
  policy, e.g. the CDN writes the media bucket's policy with its own grant added), applied
  after the public access block and ownership controls (S3 serialises those writes);
- versioning for stateful classes (media included), lifecycle rules from the class intent,
  and access logs.

The log bucket uses SSE-S3 because S3 server access logging cannot write to SSE-KMS buckets.
Its policy grants the S3 logging service (only for this account's class buckets) and, when
asked (`log_delivery_prefix`), AWS log delivery for VPC flow logs under that prefix, both
conditioned on the source account and resources: without the conditions any bucket or log
source of any account could write here at this account's cost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.aws.keys import customer_key
from components.aws.policy_documents import AwsAccount, document, key_policy, service_grant, tls_only_statement
from components.context import StackContext
from components.specs import ABORT_MULTIPART_DAYS, CORS_MAX_AGE_S, BucketSpec, StorageTier
from infra.config import BucketClass

LOG_RETENTION_DAYS = 365


@dataclass(frozen=True)
class AwsStorageArgs:
    buckets: list[BucketSpec]
    log_bucket_name: str
    # Classes whose bucket policy and key policy another component writes (it must include
    # TLS-only and keep the account administering the key).
    external_policy: frozenset[BucketClass] = field(default_factory=frozenset)
    # A prefix of the log bucket that AWS log delivery (VPC flow logs) writes under, if any.
    log_delivery_prefix: str | None = None
    account: AwsAccount | None = None


def harden_bucket(
    parent: pulumi.Resource, name: str, bucket: aws.s3.Bucket, ctx: StackContext
) -> list[pulumi.Resource]:
    """Public access block and ACLs disabled: the same on every bucket (classes, logs, audit); a bucket
    policy must wait for both (S3 serialises those writes)."""
    block = aws.s3.BucketPublicAccessBlock(
        f"{name}-public-access",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=ctx.child(parent, depends_on=[bucket]),
    )
    ownership = aws.s3.BucketOwnershipControls(
        f"{name}-ownership",
        bucket=bucket.id,
        rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
        opts=ctx.child(parent),
    )
    return [block, ownership]


def encrypt_bucket(
    parent: pulumi.Resource,
    role: str,
    bucket: aws.s3.Bucket,
    ctx: StackContext,
    key_arn: pulumi.Input[str] | None = None,
    bucket_key: bool | None = None,
) -> aws.s3.BucketServerSideEncryptionConfiguration:
    """Default encryption of a bucket: SSE-KMS with `key_arn`, else SSE-S3 (AES256)."""
    default = aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs
    by_default = (
        default(sse_algorithm="aws:kms", kms_master_key_id=key_arn) if key_arn else default(sse_algorithm="AES256")
    )
    return aws.s3.BucketServerSideEncryptionConfiguration(
        f"{role}-encryption",
        bucket=bucket.id,
        rules=[
            aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=by_default, bucket_key_enabled=bucket_key
            )
        ],
        opts=ctx.child(parent),
    )


# Classes with a key of their own: served by another AWS service that must be able to decrypt.
OWN_KEY_CLASSES = frozenset({BucketClass.media})


# The provider-neutral cold tiers, as S3 storage classes.
S3_TIERS = {StorageTier.infrequent: "STANDARD_IA", StorageTier.archive: "GLACIER"}


def lifecycle_rules(spec: BucketSpec) -> list[aws.s3.BucketLifecycleConfigurationRuleArgs]:
    """The class intent (components.common.BucketSpec) as one S3 lifecycle rule."""
    expire_days = spec.settings.expire_days
    noncurrent_days = spec.noncurrent_days
    rule = aws.s3.BucketLifecycleConfigurationRuleArgs(
        id=f"{spec.bucket_class.value}-lifecycle",
        status="Enabled",
        filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
        abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
            days_after_initiation=ABORT_MULTIPART_DAYS
        ),
        transitions=[
            aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(days=days, storage_class=S3_TIERS[tier])
            for days, tier in spec.transitions
        ]
        or None,
        expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=expire_days) if expire_days else None,
        noncurrent_version_expiration=(
            aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(noncurrent_days=noncurrent_days)
            if noncurrent_days
            else None
        ),
    )
    return [rule]


class AwsStorage(pulumi.ComponentResource):
    """The platform's S3 buckets; see the module docstring for the defaults."""

    buckets: dict[BucketClass, aws.s3.Bucket]
    key: aws.kms.Key
    keys: dict[BucketClass, aws.kms.Key]
    log_bucket: aws.s3.Bucket
    log_bucket_policy: aws.s3.BucketPolicy
    # The versioning configuration of each versioned class (what AWS Backup needs before it can back one up).
    versioning: dict[BucketClass, aws.s3.BucketVersioning]
    # What a bucket policy written by another component must wait for (public access block, ownership).
    hardening: dict[BucketClass, list[pulumi.Resource]]

    def __init__(
        self, name: str, args: AwsStorageArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:aws:Storage", name, None, opts)
        account = args.account or AwsAccount.lookup(self)
        self.key = customer_key(self, f"{name}-key", "storage", "storage encryption", key_policy(account), ctx)
        self.keys = {}
        for spec in args.buckets:
            cls = spec.bucket_class
            if cls in OWN_KEY_CLASSES:
                # Where the CDN serves the class, it writes this key's policy (naming its distribution).
                policy = None if cls in args.external_policy else key_policy(account)
                self.keys[cls] = customer_key(
                    self, f"{name}-{cls.value}-key", cls.value, f"{cls.value} encryption", policy, ctx
                )
            else:
                self.keys[cls] = self.key
        self.log_bucket = self._log_bucket(name, args, account, ctx)
        self.hardening = {}
        self.versioning = {}
        self.buckets = {spec.bucket_class: self._bucket(name, spec, args, ctx) for spec in args.buckets}
        self.register_outputs(
            {f"{c.value}_bucket": b.bucket for c, b in self.buckets.items()} | {"key_arn": self.key.arn}
        )

    def _hardening(self, name: str, bucket: aws.s3.Bucket, ctx: StackContext) -> list[pulumi.Resource]:
        return harden_bucket(self, name, bucket, ctx)

    def _log_grants(
        self, bucket: aws.s3.Bucket, args: AwsStorageArgs, account: AwsAccount
    ) -> list[pulumi.Output[dict[str, Any]]]:
        """S3 server access logs from this account's class buckets; AWS log delivery under its prefix."""
        sources = pulumi.Output.all(
            *[pulumi.Output.concat("arn:", account.partition, ":s3:::", b.name) for b in args.buckets]
        )
        grants = [
            service_grant(
                "AllowS3ServerAccessLogs",
                "logging.s3.amazonaws.com",
                "s3:PutObject",
                pulumi.Output.concat(bucket.arn, "/*"),
                pulumi.Output.all(account.id, sources).apply(
                    lambda a: {"StringEquals": {"aws:SourceAccount": a[0]}, "ArnLike": {"aws:SourceArn": a[1]}}
                ),
            )
        ]
        if args.log_delivery_prefix:
            source = pulumi.Output.all(account.id, account.arn("logs", "*")).apply(
                lambda a: {"StringEquals": {"aws:SourceAccount": a[0]}, "ArnLike": {"aws:SourceArn": a[1]}}
            )
            write_condition = source.apply(
                lambda c: {**c, "StringEquals": {**c["StringEquals"], "s3:x-amz-acl": "bucket-owner-full-control"}}
            )
            prefix = pulumi.Output.concat(bucket.arn, f"/{args.log_delivery_prefix}/AWSLogs/", account.id, "/*")
            grants += [
                service_grant(
                    "AWSLogDeliveryWrite", "delivery.logs.amazonaws.com", "s3:PutObject", prefix, write_condition
                ),
                service_grant(
                    "AWSLogDeliveryAclCheck", "delivery.logs.amazonaws.com", "s3:GetBucketAcl", bucket.arn, source
                ),
            ]
        return grants

    def _log_bucket(self, name: str, args: AwsStorageArgs, account: AwsAccount, ctx: StackContext) -> aws.s3.Bucket:
        role = f"{name}-logs"
        bucket = aws.s3.Bucket(
            role,
            bucket=args.log_bucket_name,
            tags=ctx.tags_with(role="access-logs"),
            force_destroy=ctx.force_destroy(),
            opts=ctx.child(self, stateful=True),
        )
        hardening = self._hardening(role, bucket, ctx)
        encrypt_bucket(self, role, bucket, ctx)
        aws.s3.BucketLifecycleConfiguration(
            f"{role}-lifecycle",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-access-logs",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=LOG_RETENTION_DAYS),
                )
            ],
            opts=ctx.child(self),
        )
        self.log_bucket_policy = aws.s3.BucketPolicy(
            f"{role}-policy",
            bucket=bucket.id,
            policy=document(tls_only_statement(bucket.arn), *self._log_grants(bucket, args, account)),
            opts=ctx.child(self, depends_on=hardening),
        )
        return bucket

    def _bucket(self, name: str, spec: BucketSpec, args: AwsStorageArgs, ctx: StackContext) -> aws.s3.Bucket:
        role = f"{name}-{spec.bucket_class.value}"
        bucket = aws.s3.Bucket(
            role,
            bucket=spec.name,
            force_destroy=ctx.force_destroy(spec.bucket_class is BucketClass.caches),
            tags=ctx.tags_with(**{"bucket-class": spec.bucket_class.value}),
            opts=ctx.child(self, stateful=spec.stateful),
        )
        self.hardening[spec.bucket_class] = self._hardening(role, bucket, ctx)
        if spec.settings.encryption:
            encrypt_bucket(self, role, bucket, ctx, self.keys[spec.bucket_class].arn, bucket_key=True)
        else:
            pulumi.log.warn(f"{role}: encryption at rest opted out by configuration", resource=bucket)
        if spec.settings.versioning:
            self.versioning[spec.bucket_class] = aws.s3.BucketVersioning(
                f"{role}-versioning",
                bucket=bucket.id,
                versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
                opts=ctx.child(self),
            )
        aws.s3.BucketLifecycleConfiguration(
            f"{role}-lifecycle", bucket=bucket.id, rules=lifecycle_rules(spec), opts=ctx.child(self)
        )
        aws.s3.BucketLogging(
            f"{role}-logging",
            bucket=bucket.id,
            target_bucket=self.log_bucket.id,
            target_prefix=f"{spec.bucket_class.value}/",
            opts=ctx.child(self),
        )
        if spec.settings.cors_origins:
            aws.s3.BucketCorsConfiguration(
                f"{role}-cors",
                bucket=bucket.id,
                cors_rules=[
                    aws.s3.BucketCorsConfigurationCorsRuleArgs(
                        allowed_methods=["GET", "HEAD"],
                        allowed_origins=spec.settings.cors_origins,
                        max_age_seconds=CORS_MAX_AGE_S,
                    )
                ],
                opts=ctx.child(self),
            )
        if spec.bucket_class not in args.external_policy:
            aws.s3.BucketPolicy(
                f"{role}-policy",
                bucket=bucket.id,
                policy=document(tls_only_statement(bucket.arn)),
                opts=ctx.child(self, depends_on=self.hardening[spec.bucket_class]),
            )
        return bucket
