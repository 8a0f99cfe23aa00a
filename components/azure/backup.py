"""Azure backups that cannot be deleted by mistake or malice: a Data Protection backup vault for blobs.

- a backup vault (`<prefix>-backup`) with a system-assigned identity; zone-redundant vault storage
  (locally redundant outside prod); immutability from `backup.vault_lock`: governance -> `Unlocked`
  (on, can be turned off), compliance -> `Locked` (prod: irreversible; recovery points cannot be
  deleted before they expire), none -> `Disabled`; soft delete on (deleted backups are kept 14 days)
  with a lock, off without one (dev): a vault that holds soft-deleted backups cannot be deleted, and
  dev is destroyed and recreated;
- a blob backup policy: a daily vaulted backup (`backup.schedule_hour_utc`) of the stateful containers,
  kept `backup.retention_days` in the vault (a copy outside the storage account; retention rule
  `Default`); with `backup.continuous` (prod) also operational backup, a point-in-time restore of the
  whole account over the same window, kept in the account itself (retention rule
  `Default_OperationalStore`: for blobs, `Default` is reserved for the vaulted store);
- one backup instance per storage account holding stateful containers (the data account; the media
  account with Front Door), after the vault's identity holds Storage Account Backup Contributor on it
  (the instance is validated against that grant when it is created).

Operational backup has side effects the storage component declares (so that the next `up` does not
undo them): blob point-in-time restore over the same days, and blob soft delete for longer than that.
It also puts a delete lock (CanNotDelete) on the account, outside Pulumi: `pulumi destroy` of a stack
with operational backup (prod only, by default) needs the lock removed first (docs/backups.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.dataprotection as dataprotection

from components.azure.roles import STORAGE_ACCOUNT_BACKUP_CONTRIBUTOR, role_definition
from components.context import StackContext
from infra.config import VaultLock

BLOB_DATASOURCE = "Microsoft.Storage/storageAccounts/blobServices"
IMMUTABILITY = {VaultLock.none: "Disabled", VaultLock.governance: "Unlocked", VaultLock.compliance: "Locked"}
SOFT_DELETE_DAYS = 14
# The retention rule of operational (point-in-time) blob backup; `Default` is reserved for the vault's.
OPERATIONAL_RULE = "Default_OperationalStore"
# The first day of the daily schedule (ISO 8601 repeating interval); only the time of day matters.
SCHEDULE_START = "2026-01-01"


@dataclass(frozen=True)
class BlobAccount:
    """A storage account to back up, and its stateful containers (the vaulted tier copies those)."""

    name: pulumi.Input[str]
    id: pulumi.Input[str]
    containers: list[str]
    ready: pulumi.Resource | None = None  # what must exist first (the blob service the backup relies on)


@dataclass(frozen=True)
class AzureBackupArgs:
    resource_group_name: pulumi.Input[str]
    location: str
    subscription_id: str
    accounts: list[BlobAccount]
    retention_days: int
    schedule_hour_utc: int
    vault_lock: VaultLock
    continuous: bool = False
    zone_redundant: bool = True


def _store(kind: str) -> dataprotection.DataStoreInfoBaseArgs:
    return dataprotection.DataStoreInfoBaseArgs(data_store_type=kind, object_type="DataStoreInfoBase")


class AzureBackup(pulumi.ComponentResource):
    vault: dataprotection.BackupVault
    policy: dataprotection.BackupPolicy
    instances: list[dataprotection.BackupInstance]

    def __init__(
        self, name: str, args: AzureBackupArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:azure:Backup", name, None, opts)
        rg = args.resource_group_name
        self.vault = dataprotection.BackupVault(
            f"{name}-vault",
            vault_name=f"{ctx.prefix}-backup",
            resource_group_name=rg,
            location=args.location,
            identity=dataprotection.DppIdentityDetailsArgs(type="SystemAssigned"),
            properties=dataprotection.BackupVaultArgs(
                storage_settings=[
                    dataprotection.StorageSettingArgs(
                        datastore_type="VaultStore",
                        type="ZoneRedundant" if args.zone_redundant else "LocallyRedundant",
                    )
                ],
                security_settings=dataprotection.SecuritySettingsArgs(
                    soft_delete_settings=dataprotection.SoftDeleteSettingsArgs(state="Off")
                    if args.vault_lock is VaultLock.none
                    else dataprotection.SoftDeleteSettingsArgs(state="On", retention_duration_in_days=SOFT_DELETE_DAYS),
                    immutability_settings=dataprotection.ImmutabilitySettingsArgs(state=IMMUTABILITY[args.vault_lock]),
                ),
            ),
            tags=ctx.tags,
            opts=ctx.child(self, stateful=True),
        )
        self.policy = dataprotection.BackupPolicy(
            f"{name}-blob-policy",
            backup_policy_name="blobs-daily",
            resource_group_name=rg,
            vault_name=self.vault.name,
            properties=self._policy(args),
            opts=ctx.child(self),
        )
        principal = self.vault.identity.apply(lambda i: i.principal_id if i else "")
        self.instances = []
        for i, account in enumerate(args.accounts):
            grant = authorization.RoleAssignment(
                f"{name}-account-{i}-backup-contributor",
                principal_id=principal,
                principal_type="ServicePrincipal",
                role_definition_id=role_definition(args.subscription_id, STORAGE_ACCOUNT_BACKUP_CONTRIBUTOR),
                scope=account.id,
                description="The backup vault backs up and restores this account's blobs",
                opts=ctx.child(self),
            )
            self.instances.append(self._instance(f"{name}-account-{i}", account, args, grant, ctx))
        self.register_outputs({"vault": self.vault.name})

    def _policy(self, args: AzureBackupArgs) -> dataprotection.BackupPolicyArgs:
        """Daily vaulted backups kept `retention_days`; with `continuous`, operational backup over the same days.

        For blobs the retention rule `Default` is the vaulted (VaultStore) one; operational retention is a rule
        of its own, `Default_OperationalStore` (Azure refuses an OperationalStore lifecycle in `Default`).
        """
        keep = dataprotection.AbsoluteDeleteOptionArgs(
            duration=f"P{args.retention_days}D", object_type="AbsoluteDeleteOption"
        )
        retention = {"Default": "VaultStore", **({OPERATIONAL_RULE: "OperationalStore"} if args.continuous else {})}
        return dataprotection.BackupPolicyArgs(
            object_type="BackupPolicy",
            datasource_types=[BLOB_DATASOURCE],
            policy_rules=[
                dataprotection.AzureBackupRuleArgs(
                    name="daily",
                    object_type="AzureBackupRule",
                    data_store=_store("VaultStore"),
                    backup_parameters=dataprotection.AzureBackupParamsArgs(
                        backup_type="Discrete", object_type="AzureBackupParams"
                    ),
                    trigger=dataprotection.ScheduleBasedTriggerContextArgs(
                        object_type="ScheduleBasedTriggerContext",
                        schedule=dataprotection.BackupScheduleArgs(
                            repeating_time_intervals=[
                                f"R/{SCHEDULE_START}T{args.schedule_hour_utc:02d}:00:00+00:00/P1D"
                            ],
                            time_zone="UTC",
                        ),
                        tagging_criteria=[
                            dataprotection.TaggingCriteriaArgs(
                                is_default=True,
                                tag_info=dataprotection.RetentionTagArgs(tag_name="Default"),
                                tagging_priority=99,
                            )
                        ],
                    ),
                ),
                *(
                    dataprotection.AzureRetentionRuleArgs(
                        name=rule,
                        object_type="AzureRetentionRule",
                        is_default=True,
                        lifecycles=[
                            dataprotection.SourceLifeCycleArgs(delete_after=keep, source_data_store=_store(store))
                        ],
                    )
                    for rule, store in retention.items()
                ),
            ],
        )

    def _instance(
        self,
        name: str,
        account: BlobAccount,
        args: AzureBackupArgs,
        grant: authorization.RoleAssignment,
        ctx: StackContext,
    ) -> dataprotection.BackupInstance:
        source: dict[str, Any] = {
            "resource_id": account.id,
            "resource_uri": account.id,
            "resource_location": args.location,
            "resource_type": "Microsoft.Storage/storageAccounts",
            "datasource_type": BLOB_DATASOURCE,
        }
        return dataprotection.BackupInstance(
            name,
            backup_instance_name=pulumi.Output.concat(account.name, "-blobs"),
            resource_group_name=args.resource_group_name,
            vault_name=self.vault.name,
            properties=dataprotection.BackupInstanceArgs(
                object_type="BackupInstance",
                friendly_name=pulumi.Output.concat(account.name, " blobs"),
                data_source_info=dataprotection.DatasourceArgs(object_type="Datasource", **source),
                data_source_set_info=dataprotection.DatasourceSetArgs(object_type="DatasourceSet", **source),
                policy_info=dataprotection.PolicyInfoArgs(
                    policy_id=self.policy.id,
                    policy_parameters=dataprotection.PolicyParametersArgs(
                        backup_datasource_parameters_list=[
                            dataprotection.BlobBackupDatasourceParametersArgs(
                                containers_list=account.containers, object_type="BlobBackupDatasourceParameters"
                            )
                        ]
                    ),
                ),
            ),
            tags=ctx.tags,
            opts=ctx.child(self, depends_on=[grant, *([account.ready] if account.ready else [])]),
        )
