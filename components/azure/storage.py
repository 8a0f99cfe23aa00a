"""Azure storage: one StorageV2 account per stack, a container per bucket class, lifecycle.

The account, by default:
- HTTPS only, TLS 1.2 minimum, no anonymous blob access, shared-key (and so SAS) access
  off: every client authenticates with Entra ID (the function apps with their managed
  identities, Front Door with its own);
- infrastructure encryption (a second AES-256 layer) with Microsoft-managed keys; it can only
  be chosen at creation, so it is on from the start;
- firewall default Deny; Azure services, logging and metrics bypass it, the tier and
  function subnets are admitted through their service endpoints, and `storage_ip_rules`
  lets the deployer or CI in (nothing else);
- blob service: versioning, blob and container soft delete for the longest retention any
  class asks for (7 days when none does), change feed for backups' audit trail.

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


@dataclass(frozen=True)
class AzureStorageArgs:
    resource_group_name: pulumi.Input[str]
    location: str
    account_name: str
    buckets: list[BucketSpec]
    artifacts_container: str
    subnet_ids: list[pulumi.Input[str]] = field(default_factory=list)
    ip_rules: list[str] = field(default_factory=list)


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
    """The stack's storage account and its containers; see the module docstring for the defaults."""

    account: storage.StorageAccount
    blob_service: storage.BlobServiceProperties
    buckets: dict[BucketClass, storage.BlobContainer]
    container_names: dict[BucketClass, str]

    def __init__(
        self, name: str, args: AzureStorageArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:azure:Storage", name, None, opts)
        rg = args.resource_group_name
        unencrypted = [b.bucket_class.value for b in args.buckets if not b.settings.encryption]
        if unencrypted:
            # Azure always encrypts at rest; opting out only drops the second (infrastructure) layer.
            pulumi.log.warn(f"{name}: {', '.join(unencrypted)} opted out of encryption: infrastructure encryption off")
        self.account = storage.StorageAccount(
            f"{name}-account",
            account_name=args.account_name,
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
                require_infrastructure_encryption=not unencrypted,
                services=storage.EncryptionServicesArgs(
                    blob=storage.EncryptionServiceArgs(enabled=True, key_type="Account"),
                    file=storage.EncryptionServiceArgs(enabled=True, key_type="Account"),
                ),
            ),
            network_rule_set=storage.NetworkRuleSetArgs(
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
            tags=ctx.tags,
            opts=ctx.child(self, stateful=True),
        )
        retention = soft_delete_days(args.buckets)
        self.blob_service = storage.BlobServiceProperties(
            f"{name}-blob-service",
            account_name=self.account.name,
            resource_group_name=rg,
            blob_services_name="default",
            is_versioning_enabled=any(b.settings.versioning for b in args.buckets),
            delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=True, days=retention),
            container_delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=True, days=retention),
            change_feed=storage.ChangeFeedArgs(enabled=True, retention_in_days=max(retention, 30)),
            opts=ctx.child(self),
        )
        self.container_names = {b.bucket_class: container_name(b, args.artifacts_container) for b in args.buckets}
        self.buckets = {
            b.bucket_class: storage.BlobContainer(
                f"{name}-{b.bucket_class.value}",
                container_name=self.container_names[b.bucket_class],
                account_name=self.account.name,
                resource_group_name=rg,
                public_access=storage.PublicAccess.NONE,
                metadata={"bucket_class": b.bucket_class.value, "environment": ctx.environment},
                opts=ctx.child(self, stateful=b.stateful, depends_on=[self.blob_service]),
            )
            for b in args.buckets
        }
        rules = [r for b in args.buckets if (r := lifecycle_rule(b, self.container_names[b.bucket_class]))]
        storage.ManagementPolicy(
            f"{name}-lifecycle",
            account_name=self.account.name,
            resource_group_name=rg,
            management_policy_name="default",
            policy=storage.ManagementPolicySchemaArgs(rules=rules),
            opts=ctx.child(self),
        )
        self.register_outputs(
            {"account_name": self.account.name, "account_id": self.account.id}
            | {f"{c.value}_container": n for c, n in self.container_names.items()}
        )

    @property
    def blob_host(self) -> pulumi.Output[str]:
        """The account's blob endpoint host name (no scheme, no slash)."""
        return self.account.primary_endpoints.apply(lambda e: e.blob.removeprefix("https://").rstrip("/"))

    def container_id(self, bucket_class: BucketClass) -> pulumi.Output[str]:
        """The ARM id of a container, the narrowest scope for a data-plane role assignment."""
        return pulumi.Output.concat(
            self.account.id, "/blobServices/default/containers/", self.container_names[bucket_class]
        )
