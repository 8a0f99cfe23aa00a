"""AWS backups that cannot be deleted by mistake or malice: an AWS Backup vault, locked, with a plan.

- a vault (`<prefix>-backup`) encrypted with a customer key of its own: recovery points live apart
  from the buckets, so deleting a bucket (or its versions) deletes no backup;
- the vault lock (`backup.vault_lock`): `governance` (no lock date: privileged users can still lift
  it) in staging, `compliance` in prod, where after `backup.lock_cooling_off_days` (at least 3, AWS's
  cooling-off period) nobody, not even the account root, can delete a recovery point before its
  retention ends or remove the lock; never in dev (validation refuses it). Its minimum retention is
  `backup.retention_days`, so a job asking for less fails instead of producing a short-lived backup;
- a daily plan (`backup.schedule_hour_utc`) keeping each recovery point `backup.retention_days`;
- a selection of the stateful buckets (artifacts, backups, media): AWS Backup needs S3 versioning
  to create recovery points, so the selection waits for their versioning configuration and never
  names an unversioned bucket (caches). Auto Scaling volumes are replaced with their instances and
  hold nothing to restore: not selected;
- a role AWS Backup assumes, with the AWS managed backup and restore policies (S3's own pair
  included; it reads objects and decrypts them through the storage keys' IAM delegation).

The vault and its lock are stateful: protected and retained in prod. A vault with recovery points
cannot be deleted; without a lock (dev) `force_destroy` lets `pulumi destroy` delete them too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws.keys import customer_key
from components.aws.policy_documents import AwsAccount, assume_role, key_policy
from components.context import StackContext
from infra.config import VaultLock

MANAGED_POLICIES = {
    "backup": "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    "restores": "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
    "s3-backup": "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
    "s3-restore": "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore",
}


@dataclass(frozen=True)
class AwsBackupArgs:
    account: AwsAccount
    # The versioned buckets to back up, and what must exist first (their versioning configuration).
    bucket_arns: list[pulumi.Input[str]]
    retention_days: int
    schedule_hour_utc: int
    vault_lock: VaultLock
    lock_cooling_off_days: int = 3
    buckets_ready: Sequence[pulumi.Resource] = ()


class AwsBackup(pulumi.ComponentResource):
    vault: aws.backup.Vault
    lock: aws.backup.VaultLockConfiguration | None
    plan: aws.backup.Plan
    selection: aws.backup.Selection

    def __init__(
        self, name: str, args: AwsBackupArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:aws:Backup", name, None, opts)
        key = customer_key(self, f"{name}-key", "backup", "backup vault encryption", key_policy(args.account), ctx)
        self.vault = aws.backup.Vault(
            f"{name}-vault",
            name=f"{ctx.prefix}-backup",
            kms_key_arn=key.arn,
            force_destroy=args.vault_lock is VaultLock.none,
            tags=ctx.tags,
            opts=ctx.child(self, stateful=True),
        )
        self.lock = None
        if args.vault_lock is not VaultLock.none:
            self.lock = aws.backup.VaultLockConfiguration(
                f"{name}-vault-lock",
                backup_vault_name=self.vault.name,
                min_retention_days=args.retention_days,
                # A lock date (changeable_for_days) makes it a compliance-mode lock; without one, governance.
                changeable_for_days=args.lock_cooling_off_days if args.vault_lock is VaultLock.compliance else None,
                opts=ctx.child(self, stateful=True),
            )
        role = aws.iam.Role(
            f"{name}-role",
            name=f"{ctx.prefix}-backup",
            assume_role_policy=assume_role("backup.amazonaws.com"),
            tags=ctx.tags,
            opts=ctx.child(self),
        )
        attachments = [
            aws.iam.RolePolicyAttachment(f"{name}-role-{suffix}", role=role.name, policy_arn=arn, opts=ctx.child(self))
            for suffix, arn in MANAGED_POLICIES.items()
        ]
        self.plan = aws.backup.Plan(
            f"{name}-plan",
            name=f"{ctx.prefix}-daily",
            rules=[
                aws.backup.PlanRuleArgs(
                    rule_name="daily",
                    target_vault_name=self.vault.name,
                    schedule=f"cron(0 {args.schedule_hour_utc} ? * * *)",
                    start_window=60,
                    completion_window=24 * 60,
                    lifecycle=aws.backup.PlanRuleLifecycleArgs(delete_after=args.retention_days),
                    recovery_point_tags=ctx.tags,
                )
            ],
            tags=ctx.tags,
            opts=ctx.child(self, depends_on=[self.lock] if self.lock else []),
        )
        self.selection = aws.backup.Selection(
            f"{name}-stateful-buckets",
            name=f"{ctx.prefix}-stateful-buckets",
            plan_id=self.plan.id,
            iam_role_arn=role.arn,
            resources=args.bucket_arns,
            opts=ctx.child(self, depends_on=[*args.buckets_ready, *attachments]),
        )
        self.register_outputs({"vault": self.vault.name, "plan_id": self.plan.id})
