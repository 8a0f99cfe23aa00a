"""GCP audit trail: Data Access audit logs for every service, exported to an audit bucket.

- an IAM audit configuration for `allServices`: Admin Activity logs are always on (and free); this
  adds Data Access logs, which Google leaves off for almost every service ("Data Access audit logs are
  disabled by default"): ADMIN_READ and DATA_WRITE always, DATA_READ with `audit.data_events` (reads
  of Cloud Storage are the volume driver, billed as log ingestion);
- a log sink exporting every audit log (`logName:"cloudaudit.googleapis.com"`: activity, data access,
  system events, policy denials) to the audit bucket, with a writer identity of its own, granted
  object create on that bucket only ("Until you grant this identity write-access to the destination,
  log entry exports from this sink will fail");
- the audit bucket (`<storage_bucket>-<token>-audit`): uniform access, public access prevention, a
  retention policy of `audit.retention_days` (no object can be deleted or replaced before then) and
  expiry after it; with `audit.immutable` (prod) the policy is locked, which cannot be undone and
  keeps the bucket until its last object ages out. Not versioned: Cloud Storage refuses a retention
  policy together with object versioning, and the policy is the stronger control here.

The audit configuration is a project singleton: only the stack named by `audit.account_owner`
declares it (stacks sharing a project would overwrite each other's).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.context import StackContext

AUDIT_FILTER = 'logName:"cloudaudit.googleapis.com"'
WRITER_ROLE = "roles/storage.objectCreator"
DAY_S = 24 * 3600


@dataclass(frozen=True)
class GcpAuditArgs:
    project: str
    bucket_name: str
    location: str
    retention_days: int
    immutable: bool = False
    data_reads: bool = False
    # The customer-managed key of the stack's buckets (gcp.cmek), and the grant it needs first.
    kms_key: pulumi.Input[str] | None = None
    key_ready: Sequence[pulumi.Resource] = ()


class GcpAudit(pulumi.ComponentResource):
    audit_config: gcp.projects.IAMAuditConfig
    bucket: gcp.storage.Bucket
    sink: gcp.logging.ProjectSink

    def __init__(
        self, name: str, args: GcpAuditArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:gcp:Audit", name, None, opts)
        log_types = ["ADMIN_READ", "DATA_WRITE", *(["DATA_READ"] if args.data_reads else [])]
        self.audit_config = gcp.projects.IAMAuditConfig(
            f"{name}-data-access",
            project=args.project,
            service="allServices",
            audit_log_configs=[gcp.projects.IAMAuditConfigAuditLogConfigArgs(log_type=t) for t in log_types],
            opts=ctx.child(self),
        )
        self.bucket = gcp.storage.Bucket(
            f"{name}-bucket",
            name=args.bucket_name,
            location=args.location,
            storage_class="STANDARD",
            uniform_bucket_level_access=True,
            public_access_prevention="enforced",
            versioning=gcp.storage.BucketVersioningArgs(enabled=False),
            retention_policy=gcp.storage.BucketRetentionPolicyArgs(
                retention_period=str(args.retention_days * DAY_S),  # seconds, as a string (pulumi-gcp's type)
                is_locked=args.immutable,
            ),
            lifecycle_rules=[
                gcp.storage.BucketLifecycleRuleArgs(
                    action=gcp.storage.BucketLifecycleRuleActionArgs(type="Delete"),
                    condition=gcp.storage.BucketLifecycleRuleConditionArgs(age=args.retention_days),
                )
            ],
            encryption=gcp.storage.BucketEncryptionArgs(default_kms_key_name=args.kms_key) if args.kms_key else None,
            labels=ctx.tags_with(role="audit-logs"),
            opts=ctx.child(self, stateful=True, depends_on=list(args.key_ready)),
        )
        self.sink = gcp.logging.ProjectSink(
            f"{name}-sink",
            name=f"{ctx.prefix}-audit",
            project=args.project,
            description="Every audit log of the project to the audit bucket",
            destination=pulumi.Output.concat("storage.googleapis.com/", self.bucket.name),
            filter=AUDIT_FILTER,
            unique_writer_identity=True,
            opts=ctx.child(self),
        )
        gcp.storage.BucketIAMMember(
            f"{name}-sink-writer",
            bucket=self.bucket.name,
            role=WRITER_ROLE,
            member=self.sink.writer_identity,
            opts=ctx.child(self),
        )
        self.register_outputs({"bucket": self.bucket.name, "sink": self.sink.name})
