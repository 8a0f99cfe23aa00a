"""Azure storage: the stack's data account (and a media account for Front Door), a container per
bucket class, lifecycle.

Every account, by default:
- HTTPS only, TLS 1.2 minimum, no anonymous blob access, shared-key (and so SAS) access
  off: every client authenticates with Entra ID (the function apps with their managed
  identities, Front Door with its own);
- infrastructure encryption (a second AES-256 layer) with Microsoft-managed keys; it can only
  be chosen at creation, so it is on from the start;
- the data account's firewall denies by default; Azure services, logging and metrics bypass
  it, the tier and function subnets are admitted through their service endpoints, and
  `storage_ip_rules` lets the deployer or CI in (nothing else);
- with Front Door in front of media (`media_account_name`), the media class lives in its own
  account that the network can reach: Front Door Standard is not a trusted service of the
  storage firewall and cannot use Private Link (Premium only, and then not with its managed
  identity), so that account's only control is Entra ID - no shared key, no anonymous access,
  Storage Blob Data Reader for Front Door on the media container. Nothing else lives there;
- blob service: versioning, blob and container soft delete for the longest retention any
  class asks for (7 days when none does), change feed for backups' audit trail; with
  `point_in_time_days` (Azure Backup's operational tier, components/azure/backup.py, which turns
  these on itself) blob point-in-time restore over that many days, and blob soft delete kept at
  least a day longer, as Azure requires: declared here so that the next `up` does not undo them.

Containers (private): the configured `container` for artifacts, and `caches`, `backups`,
`media`. One management policy maps each class intent to Azure tiers (infrequent -> Cool,
archive -> Cold; Archive is offline for hours, so no class lands there by default),
expires caches after `expire_days` and deletes non-current versions after their window
(versions of unversioned classes after a day: versioning is account-wide on Azure).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native.storage as storage

from components.context import StackContext
from components.specs import BucketSpec, StorageTier
from infra.config import BucketClass

DEFAULT_SOFT_DELETE_DAYS = 7
CHANGE_FEED_MIN_DAYS = 30


@dataclass(frozen=True)
class AzureStorageArgs:
    resource_group_name: pulumi.Input[str]
    location: str
    account_name: str
    buckets: list[BucketSpec]
    artifacts_container: str
    subnet_ids: list[pulumi.Input[str]] = field(default_factory=list)
    ip_rules: list[str] = field(default_factory=list)
    media_account_name: str | None = None
    """When set, the media class gets its own account, reachable from the network (Entra ID only)."""
    point_in_time_days: int | None = None
    """Blob point-in-time restore window (operational backup), or None."""


def container_name(spec: BucketSpec, artifacts_container: str) -> str:
    return artifacts_container if spec.bucket_class is BucketClass.artifacts else spec.bucket_class.value


def soft_delete_days(buckets: list[BucketSpec]) -> int:
    return max((b.settings.retention_days or 0 for b in buckets), default=0) or DEFAULT_SOFT_DELETE_DAYS


def lifecycle_rule(spec: BucketSpec, container: str) -> storage.ManagementPolicyRuleArgs | None:
    """The class intent as one management policy rule (None when the class asks for nothing)."""
    s = spec.settings
    after = {tier: days for days, tier in spec.transitions}

    def modified(days: int | None) -> storage.DateAfterModificationArgs | None:
        return storage.DateAfterModificationArgs(days_after_modification_greater_than=days) if days else None

    base = (
        storage.ManagementPolicyBaseBlobArgs(
            tier_to_cool=modified(after.get(StorageTier.infrequent)),
            tier_to_cold=modified(after.get(StorageTier.archive)),
            delete=modified(s.expire_days),
        )
        if after or s.expire_days
        else None
    )
    version_days = spec.noncurrent_days if s.versioning else 1
    if not base and not version_days:
        return None
    return storage.ManagementPolicyRuleArgs(
        name=f"{spec.bucket_class.value}-lifecycle",
        type="Lifecycle",
        enabled=True,
        definition=storage.ManagementPolicyDefinitionArgs(
            filters=storage.ManagementPolicyFilterArgs(blob_types=["blockBlob"], prefix_match=[f"{container}/"]),
            actions=storage.ManagementPolicyActionArgs(
                base_blob=base,
                version=storage.ManagementPolicyVersionArgs(
                    delete=storage.DateAfterCreationArgs(days_after_creation_greater_than=version_days)
                )
                if version_days
                else None,
            ),
        ),
    )


class AzureStorage(pulumi.ComponentResource):
    """The stack's storage accounts and their containers; see the module docstring for the defaults."""

    account: storage.StorageAccount
    """The data account (every class but media when media has its own account)."""
    media_account: storage.StorageAccount | None
    blob_service: storage.BlobServiceProperties
    media_blob_service: storage.BlobServiceProperties | None
    buckets: dict[BucketClass, storage.BlobContainer]
    container_names: dict[BucketClass, str]
    accounts: dict[BucketClass, storage.StorageAccount]

    def __init__(
        self, name: str, args: AzureStorageArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:azure:Storage", name, None, opts)
        unencrypted = [b.bucket_class.value for b in args.buckets if not b.settings.encryption]
        if unencrypted:
            # Azure always encrypts at rest; opting out only drops the second (infrastructure) layer.
            pulumi.log.warn(f"{name}: {', '.join(unencrypted)} opted out of encryption: infrastructure encryption off")
        media = [b for b in args.buckets if b.bucket_class is BucketClass.media and args.media_account_name]
        data = [b for b in args.buckets if b not in media]
        self.container_names = {b.bucket_class: container_name(b, args.artifacts_container) for b in args.buckets}
        self.buckets, self.accounts = {}, {}
        self.account, self.blob_service = self._account(
            f"{name}-account",
            args.account_name,
            data,
            storage.NetworkRuleSetArgs(
                default_action=storage.DefaultAction.DENY,
                bypass="AzureServices, Logging, Metrics",
                ip_rules=[
                    storage.IPRuleArgs(i_p_address_or_range=ip, action=storage.Action.ALLOW) for ip in args.ip_rules
                ],
                virtual_network_rules=[
                    storage.VirtualNetworkRuleArgs(virtual_network_resource_id=s, action=storage.Action.ALLOW)
                    for s in args.subnet_ids
                ],
            ),
            args,
            ctx,
            infrastructure_encryption=not unencrypted,
        )
        self.media_account = None
        self.media_blob_service = None
        if media and args.media_account_name:
            # Reachable from the network on purpose (Front Door's egress is no storage firewall rule):
            # Entra ID is the only way in, and only Front Door's identity may read.
            self.media_account, self.media_blob_service = self._account(
                f"{name}-media-account",
                args.media_account_name,
                media,
                storage.NetworkRuleSetArgs(default_action=storage.DefaultAction.ALLOW, bypass="AzureServices"),
                args,
                ctx,
                infrastructure_encryption=not unencrypted,
            )
        self.register_outputs(
            {"account_name": self.account.name, "account_id": self.account.id}
            | {f"{c.value}_container": n for c, n in self.container_names.items()}
        )

    def _account(
        self,
        role: str,
        account_name: str,
        buckets: list[BucketSpec],
        network: storage.NetworkRuleSetArgs,
        args: AzureStorageArgs,
        ctx: StackContext,
        infrastructure_encryption: bool,
    ) -> tuple[storage.StorageAccount, storage.BlobServiceProperties]:
        """One account with its blob service, containers (`buckets`) and lifecycle policy."""
        rg = args.resource_group_name
        account = storage.StorageAccount(
            role,
            account_name=account_name,
            resource_group_name=rg,
            location=args.location,
            kind="StorageV2",
            sku=storage.SkuArgs(name="Standard_ZRS"),
            access_tier=storage.AccessTier.HOT,
            enable_https_traffic_only=True,
            minimum_tls_version="TLS1_2",
            allow_blob_public_access=False,
            allow_shared_key_access=False,
            allow_cross_tenant_replication=False,
            default_to_o_auth_authentication=True,
            public_network_access="Enabled",
            encryption=storage.EncryptionArgs(
                key_source="Microsoft.Storage",
                require_infrastructure_encryption=infrastructure_encryption,
                services=storage.EncryptionServicesArgs(
                    blob=storage.EncryptionServiceArgs(enabled=True, key_type="Account"),
                    file=storage.EncryptionServiceArgs(enabled=True, key_type="Account"),
                ),
            ),
            network_rule_set=network,
            tags=ctx.tags,
            opts=ctx.child(self, stateful=True),
        )
        retention = soft_delete_days(buckets)
        restore = args.point_in_time_days if any(b.stateful for b in buckets) else None
        blob_retention = max(retention, restore + 1) if restore else retention
        # Point-in-time restore replays the change feed back to the restore point: keep it longer than that.
        feed_retention = max(retention, CHANGE_FEED_MIN_DAYS, restore + 1 if restore else 0)
        service = storage.BlobServiceProperties(
            f"{role.removesuffix('-account')}-blob-service",
            account_name=account.name,
            resource_group_name=rg,
            blob_services_name="default",
            is_versioning_enabled=any(b.settings.versioning for b in buckets),
            delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=True, days=blob_retention),
            restore_policy=storage.RestorePolicyPropertiesArgs(enabled=True, days=restore) if restore else None,
            container_delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=True, days=retention),
            change_feed=storage.ChangeFeedArgs(enabled=True, retention_in_days=feed_retention),
            opts=ctx.child(self),
        )
        name = role.removesuffix("-media-account").removesuffix("-account")
        for b in buckets:
            self.buckets[b.bucket_class] = storage.BlobContainer(
                f"{name}-{b.bucket_class.value}",
                container_name=self.container_names[b.bucket_class],
                account_name=account.name,
                resource_group_name=rg,
                public_access=storage.PublicAccess.NONE,
                metadata={"bucket_class": b.bucket_class.value, "environment": ctx.environment},
                opts=ctx.child(self, stateful=b.stateful, depends_on=[service]),
            )
            self.accounts[b.bucket_class] = account
        rules = [r for b in buckets if (r := lifecycle_rule(b, self.container_names[b.bucket_class]))]
        if not rules:
            return account, service  # a management policy needs at least one rule
        storage.ManagementPolicy(
            f"{role.removesuffix('-account')}-lifecycle",
            account_name=account.name,
            resource_group_name=rg,
            management_policy_name="default",
            policy=storage.ManagementPolicySchemaArgs(rules=rules),
            opts=ctx.child(self),
        )
        return account, service

    @property
    def blob_host(self) -> pulumi.Output[str]:
        """The data account's blob endpoint host name (no scheme, no slash)."""
        return blob_host(self.account)

    def container_id(self, bucket_class: BucketClass) -> pulumi.Output[str]:
        """The ARM id of a container, the narrowest scope for a data-plane role assignment. It waits for the
        container itself, so an assignment (and an upload after it) is never made on a scope that does not exist."""
        name = self.container_names[bucket_class]
        created = self.buckets[bucket_class].id.apply(lambda _: name)
        return pulumi.Output.concat(self.accounts[bucket_class].id, "/blobServices/default/containers/", created)


def blob_host(account: storage.StorageAccount) -> pulumi.Output[str]:
    """An account's blob endpoint host name (no scheme, no slash)."""
    return account.primary_endpoints.apply(lambda e: e.blob.removeprefix("https://").rstrip("/"))
