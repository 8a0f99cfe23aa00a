"""AWS audit trail: one multi-region CloudTrail trail for the account, into a bucket of its own.

- the trail records management events (read and write) in every region, global service events
  included, with log file validation (signed digest files prove a log was not changed or deleted)
  and SSE-KMS with a customer key of its own; object-level S3 events of the stateful buckets are
  added when `audit.data_events` is on (billed per event, every copy);
- the audit bucket (`<s3_bucket>-<token>-audit`): public access blocked, ACLs disabled, versioned,
  encrypted with the audit key, lifecycle expiry after `audit.retention_days`; with
  `audit.immutable` (prod) S3 Object Lock in compliance mode keeps every log for that long, even
  from the account root. As AWS advises, it holds only audit logs (the access-log bucket holds S3
  and flow logs);
- its policy denies non-TLS requests and lets CloudTrail check the ACL and write under
  `AWSLogs/<account>/`, only for this trail (`aws:SourceArn`). The trail's ARN is built as a string
  from its fixed name: the trail is created after the policy (CloudTrail checks the policy when it
  is created), so reading `trail.arn` there would be a cycle;
- the key's policy lets CloudTrail generate data keys for this trail's log files (encryption
  context `aws:cloudtrail:arn` of this account's trails, and `aws:SourceArn`) and describe the key;
  readers decrypt through IAM (the account administers the key).

One trail per account is free (the first copy of management events in each region); a second
multi-region trail in the same account bills every event again. Stacks that share an account
therefore share one trail: only the stack named by `audit.account_owner` declares it (prod for the
shipped stacks). No CloudWatch Logs delivery: no alarm reads the trail, and CloudTrail's event
history keeps 90 days searchable without it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.aws.keys import customer_key
from components.aws.policy_documents import AwsAccount, document, key_policy, service_grant, tls_only_statement
from components.aws.storage import encrypt_bucket, harden_bucket
from components.context import StackContext

CLOUDTRAIL = "cloudtrail.amazonaws.com"
NONCURRENT_DAYS = 30


@dataclass(frozen=True)
class LogBucketArgs:
    """A bucket that keeps logs for `retention_days`: encrypted with `key_arn`, versioned, private."""

    bucket_name: str
    key_arn: pulumi.Input[str]
    retention_days: int
    role: str  # the `role` tag
    immutable: bool = False  # S3 Object Lock in compliance mode for retention_days (never for AWS Config)


def log_bucket(
    parent: pulumi.Resource,
    role: str,
    args: LogBucketArgs,
    ctx: StackContext,
    grants: Callable[[aws.s3.Bucket], list[pulumi.Output[dict[str, Any]]]] = lambda _: [],
) -> tuple[aws.s3.Bucket, aws.s3.BucketPolicy]:
    """A log bucket (audit trail, AWS Config history) and its TLS-only policy with `grants(bucket)`."""
    bucket = aws.s3.Bucket(
        role,
        bucket=args.bucket_name,
        object_lock_enabled=True if args.immutable else None,
        tags=ctx.tags_with(role=args.role),
        opts=ctx.child(parent, stateful=True),
    )
    hardening = harden_bucket(parent, role, bucket, ctx)
    encrypt_bucket(parent, role, bucket, ctx, args.key_arn)
    versioning = aws.s3.BucketVersioning(
        f"{role}-versioning",
        bucket=bucket.id,
        versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
        opts=ctx.child(parent),
    )
    if args.immutable:
        aws.s3.BucketObjectLockConfiguration(
            f"{role}-object-lock",
            bucket=bucket.id,
            rule=aws.s3.BucketObjectLockConfigurationRuleArgs(
                default_retention=aws.s3.BucketObjectLockConfigurationRuleDefaultRetentionArgs(
                    mode="COMPLIANCE", days=args.retention_days
                )
            ),
            opts=ctx.child(parent, depends_on=[versioning]),
        )
    aws.s3.BucketLifecycleConfiguration(
        f"{role}-lifecycle",
        bucket=bucket.id,
        rules=[
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id=f"expire-{args.role}",
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=args.retention_days),
                noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                    noncurrent_days=NONCURRENT_DAYS
                ),
            )
        ],
        opts=ctx.child(parent, depends_on=[versioning]),
    )
    policy = aws.s3.BucketPolicy(
        f"{role}-policy",
        bucket=bucket.id,
        policy=document(tls_only_statement(bucket.arn), *grants(bucket)),
        opts=ctx.child(parent, depends_on=hardening),
    )
    return bucket, policy


@dataclass(frozen=True)
class AwsAuditArgs:
    bucket_name: str
    account: AwsAccount
    retention_days: int
    immutable: bool = False
    # ARNs of the buckets whose object-level events are recorded (data events); none: management events only.
    data_event_buckets: list[pulumi.Input[str]] = field(default_factory=list)


class AwsAudit(pulumi.ComponentResource):
    trail: aws.cloudtrail.Trail
    bucket: aws.s3.Bucket
    bucket_policy: aws.s3.BucketPolicy
    key: aws.kms.Key
    trail_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: AwsAuditArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:aws:Audit", name, None, opts)
        account = args.account
        trail_name = f"{ctx.prefix}-trail"
        self.trail_arn = account.arn("cloudtrail", f"trail/{trail_name}")
        self.key = customer_key(self, f"{name}-key", "audit", "audit trail encryption", self._key_policy(account), ctx)
        self.bucket = self._bucket(name, args, ctx)
        self.trail = aws.cloudtrail.Trail(
            f"{name}-trail",
            name=trail_name,
            s3_bucket_name=self.bucket.id,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            enable_logging=True,
            kms_key_id=self.key.arn,
            advanced_event_selectors=self._selectors(args.data_event_buckets),
            tags=ctx.tags,
            opts=ctx.child(self, depends_on=[self.bucket_policy]),
        )
        self.register_outputs({"trail_arn": self.trail.arn, "bucket": self.bucket.bucket})

    def _key_policy(self, account: AwsAccount) -> pulumi.Output[str]:
        # The encryption context names a trail of this account in any region (a multi-region trail).
        any_trail = pulumi.Output.concat("arn:", account.partition, ":cloudtrail:*:", account.id, ":trail/*")
        this_trail = pulumi.Output.all(self.trail_arn, any_trail).apply(
            lambda a: {
                "StringEquals": {"aws:SourceArn": a[0]},
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": a[1]},
            }
        )
        describe = self.trail_arn.apply(lambda arn: {"StringEquals": {"aws:SourceArn": arn}})
        return key_policy(
            account,
            service_grant("CloudTrailEncryptLogs", CLOUDTRAIL, "kms:GenerateDataKey*", "*", this_trail),
            service_grant("CloudTrailDescribeKey", CLOUDTRAIL, "kms:DescribeKey", "*", describe),
        )

    def _bucket(self, name: str, args: AwsAuditArgs, ctx: StackContext) -> aws.s3.Bucket:
        bucket, self.bucket_policy = log_bucket(
            self,
            f"{name}-bucket",
            LogBucketArgs(args.bucket_name, self.key.arn, args.retention_days, "audit-logs", args.immutable),
            ctx,
            lambda b: self._trail_grants(b, args.account),
        )
        return bucket

    def _trail_grants(self, bucket: aws.s3.Bucket, account: AwsAccount) -> list[pulumi.Output[dict[str, Any]]]:
        """CloudTrail checks the ACL and writes its files, for this trail only (aws:SourceArn)."""
        this_trail = self.trail_arn.apply(lambda arn: {"StringEquals": {"aws:SourceArn": arn}})
        write = this_trail.apply(
            lambda c: {"StringEquals": {**c["StringEquals"], "s3:x-amz-acl": "bucket-owner-full-control"}}
        )
        logs = pulumi.Output.concat(bucket.arn, "/AWSLogs/", account.id, "/*")
        return [
            service_grant("AWSCloudTrailAclCheck", CLOUDTRAIL, "s3:GetBucketAcl", bucket.arn, this_trail),
            service_grant("AWSCloudTrailWrite", CLOUDTRAIL, "s3:PutObject", logs, write),
        ]

    @staticmethod
    def _selectors(buckets: list[pulumi.Input[str]]) -> list[aws.cloudtrail.TrailAdvancedEventSelectorArgs] | None:
        """Management events, plus object-level events of `buckets` (none: the default selector, management only)."""
        if not buckets:
            return None
        field_ = aws.cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs
        return [
            aws.cloudtrail.TrailAdvancedEventSelectorArgs(
                name="management-events", field_selectors=[field_(field="eventCategory", equals=["Management"])]
            ),
            aws.cloudtrail.TrailAdvancedEventSelectorArgs(
                name="stateful-bucket-objects",
                field_selectors=[
                    field_(field="eventCategory", equals=["Data"]),
                    field_(field="resources.type", equals=["AWS::S3::Object"]),
                    field_(
                        field="resources.ARN",
                        starts_withs=[pulumi.Output.concat(arn, "/") for arn in buckets],
                    ),
                ],
            ),
        ]
