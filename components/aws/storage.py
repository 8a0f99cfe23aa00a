"""AWS storage: one S3 bucket per bucket class, a KMS key, and an access-log bucket.

Every bucket gets, by default:
- SSE-KMS with a customer-managed key (rotation on) and an S3 bucket key (fewer KMS calls);
  a class may opt out with `encryption: false`, which the policy pack then flags;
- all four public-access-block flags and BucketOwnerEnforced (ACLs disabled);
- a bucket policy denying non-TLS requests (except where another component owns the
  policy, e.g. the CDN writes the media bucket's policy with its own grant added);
- versioning for stateful classes, lifecycle rules from the class intent, and access logs.

The log bucket uses SSE-S3 because S3 server access logging cannot write to SSE-KMS buckets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.aws.policy_documents import document, tls_only_statement
from components.context import StackContext
from components.specs import ABORT_MULTIPART_DAYS, CORS_MAX_AGE_S, BucketSpec, StorageTier
from infra.config import BucketClass

LOG_RETENTION_DAYS = 365


@dataclass(frozen=True)
class AwsStorageArgs:
    buckets: list[BucketSpec]
    log_bucket_name: str
    # Classes whose bucket policy another component writes (it must include TLS-only).
    external_policy: frozenset[BucketClass] = field(default_factory=frozenset)


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
    log_bucket: aws.s3.Bucket

    def __init__(
        self, name: str, args: AwsStorageArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:aws:Storage", name, None, opts)
        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"qmoi {ctx.environment} storage encryption",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            tags=ctx.tags_with(role="storage-key"),
            opts=ctx.child(self, stateful=True),
        )
        aws.kms.Alias(
            f"{name}-key-alias",
            name=f"alias/{ctx.prefix}-storage",
            target_key_id=self.key.key_id,
            opts=ctx.child(self),
        )
        self.log_bucket = self._log_bucket(name, args.log_bucket_name, ctx)
        self.buckets = {spec.bucket_class: self._bucket(name, spec, args, ctx) for spec in args.buckets}
        self.register_outputs(
            {f"{c.value}_bucket": b.bucket for c, b in self.buckets.items()} | {"key_arn": self.key.arn}
        )

    def _hardening(self, name: str, bucket: aws.s3.Bucket, ctx: StackContext) -> None:
        """Public access block and ACLs disabled: the same on every bucket, logs included."""
        aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=ctx.child(self, depends_on=[bucket]),
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=ctx.child(self),
        )

    def _log_bucket(self, name: str, bucket_name: str, ctx: StackContext) -> aws.s3.Bucket:
        role = f"{name}-logs"
        bucket = aws.s3.Bucket(
            role, bucket=bucket_name, tags=ctx.tags_with(role="access-logs"), opts=ctx.child(self, stateful=True)
        )
        self._hardening(role, bucket, ctx)
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{role}-encryption",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    )
                )
            ],
            opts=ctx.child(self),
        )
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
        logging_grant = pulumi.Output.all(bucket.arn).apply(
            lambda a: {
                "Sid": "AllowS3ServerAccessLogs",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"{a[0]}/*",
            }
        )
        aws.s3.BucketPolicy(
            f"{role}-policy",
            bucket=bucket.id,
            policy=document(tls_only_statement(bucket.arn), logging_grant),
            opts=ctx.child(self),
        )
        return bucket

    def _bucket(self, name: str, spec: BucketSpec, args: AwsStorageArgs, ctx: StackContext) -> aws.s3.Bucket:
        role = f"{name}-{spec.bucket_class.value}"
        bucket = aws.s3.Bucket(
            role,
            bucket=spec.name,
            force_destroy=spec.bucket_class is BucketClass.caches,
            tags=ctx.tags_with(**{"bucket-class": spec.bucket_class.value}),
            opts=ctx.child(self, stateful=spec.stateful),
        )
        self._hardening(role, bucket, ctx)
        if spec.settings.encryption:
            aws.s3.BucketServerSideEncryptionConfiguration(
                f"{role}-encryption",
                bucket=bucket.id,
                rules=[
                    aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                        apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                            sse_algorithm="aws:kms", kms_master_key_id=self.key.arn
                        ),
                        bucket_key_enabled=True,
                    )
                ],
                opts=ctx.child(self),
            )
        else:
            pulumi.log.warn(f"{role}: encryption at rest opted out by configuration", resource=bucket)
        if spec.settings.versioning:
            aws.s3.BucketVersioning(
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
                opts=ctx.child(self),
            )
        return bucket
