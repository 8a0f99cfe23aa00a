"""AzurePlatform: the Azure half of a stack, composed from the capability components.

An explicit azure-native provider pins the configured subscription and location (no
ambient `az account` surprises); every child inherits it through `parent`. Everything
lives in one resource group per stack (`qmoi-<token>-rg`: the environment's name for the
shipped stacks, the stack's own token for any other), tagged, and protected and retained
in prod like the other stateful resources. The network comes first because the storage
firewall admits the tier and function subnets. Three storage accounts, each named from the
stack: data (`<storage_account><token>`), the functions' host storage (`...fn`) and, with
Front Door, media (`...med`). `origin` is the Front Door endpoint host, the Azure origin pool
of the multi-cloud edge, and `health_path` the health blob Front Door serves there.

Security operations (components/azure/{waf,audit,threat_detection,backup}.py) are composed in
their own block, after the rest: the Front Door WAF policy on the CDN's endpoint and domains;
the subscription's activity-log setting and Defender plans only in the stack that owns them
(`audit.account_owner`, `threat_detection.account_owner`); the backup vault per stack.
"""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure_native
import pulumi_azure_native.resources as resources

from components.azure.audit import AzureAudit, AzureAuditArgs
from components.azure.backup import AzureBackup, AzureBackupArgs, BlobAccount
from components.azure.budget import AzureBudget, AzureBudgetArgs
from components.azure.cdn import AzureCdn, AzureCdnArgs
from components.azure.compute import AzureCompute, AzureComputeArgs
from components.azure.dashboard import AzureDashboard, AzureDashboardArgs
from components.azure.functions import AzureFunctions, AzureFunctionsArgs
from components.azure.monitoring import AzureMonitoring, AzureMonitoringArgs
from components.azure.network import AzureNetwork, AzureNetworkArgs
from components.azure.storage import AzureStorage, AzureStorageArgs, blob_host
from components.azure.threat_detection import AzureThreatDetection, AzureThreatDetectionArgs
from components.azure.waf import AzureWaf, AzureWafArgs
from components.platform import ProviderPlatform
from components.specs import STATEFUL_CLASSES
from infra.config import BucketClass, Environment, Provider
from infra.config.naming import AZURE_ACCOUNT_ROLES


class AzurePlatform(ProviderPlatform):
    PROVIDER = Provider.azure
    PACKAGE = "azure-native"

    resource_group: resources.ResourceGroup
    network: AzureNetwork
    storage: AzureStorage
    compute: AzureCompute
    functions: AzureFunctions
    cdn: AzureCdn | None
    budget: AzureBudget
    monitoring: AzureMonitoring
    dashboard: AzureDashboard
    # security operations
    waf: AzureWaf | None
    audit: AzureAudit | None
    threat_detection: AzureThreatDetection | None
    backup: AzureBackup | None

    def _declare_provider(self, name: str, opts: pulumi.ResourceOptions) -> pulumi.ProviderResource:
        az = self.config.azure
        return azure_native.Provider(
            f"{name}-provider", subscription_id=az.subscription_id, location=az.region, opts=opts
        )

    def _compose(self, name: str) -> None:
        az, ctx, child, names = self.config.azure, self.ctx, self.child, self.config.names
        self.resource_group = resources.ResourceGroup(
            f"{name}-rg",
            resource_group_name=f"{ctx.prefix}-rg",
            location=az.region,
            tags=ctx.tags,
            opts=pulumi.ResourceOptions.merge(child, ctx.child(self, stateful=True)),
        )
        rg = self.resource_group.name
        self.network = AzureNetwork(
            f"{name}-network",
            AzureNetworkArgs(
                resource_group_name=rg,
                location=az.region,
                cidr=az.network.cidr,
                # Flexible scale sets have no default outbound access: egress unless declared offline.
                nat_gateway=az.network.nat_gateway if az.network.nat_gateway is not None else True,
            ),
            ctx,
            child,
        )
        self.storage = AzureStorage(
            f"{name}-storage",
            AzureStorageArgs(
                resource_group_name=rg,
                location=az.region,
                account_name=names.storage_account(az.storage_account, AZURE_ACCOUNT_ROLES["data"]),
                buckets=self.bucket_specs(az.storage_account),
                artifacts_container=az.container,
                subnet_ids=[self.network.tiers_subnet.id, self.network.functions_subnet.id],
                ip_rules=az.network.storage_ip_rules,
                media_account_name=names.storage_account(az.storage_account, AZURE_ACCOUNT_ROLES["media"])
                if az.cdn.enabled
                else None,
                point_in_time_days=self._point_in_time_days,
            ),
            ctx,
            child,
        )
        self.compute = AzureCompute(
            f"{name}-compute",
            AzureComputeArgs(
                resource_group_name=rg,
                location=az.region,
                tiers=self.tier_specs(),
                subnet_id=self.network.tiers_subnet.id,
                zones=self.config.network.zones,
                admin_username=az.admin_username,
                ssh_public_keys=az.ssh_public_keys,
            ),
            ctx,
            child,
        )
        self.functions = AzureFunctions(
            f"{name}-functions",
            AzureFunctionsArgs(
                functions=self.function_plans(az.functions),
                resource_group_name=rg,
                location=az.region,
                subscription_id=az.subscription_id,
                host_account_name=names.storage_account(az.storage_account, AZURE_ACCOUNT_ROLES["functions"]),
                subnet_id=self.network.functions_subnet.id,
                data=self.storage,
                data_access=az.function_data_access,
            ),
            ctx,
            child,
        )
        self.cdn = None
        if az.cdn.enabled and self.storage.media_account is not None:
            self.cdn = AzureCdn(
                f"{name}-cdn",
                AzureCdnArgs(
                    resource_group_name=rg,
                    subscription_id=az.subscription_id,
                    origin_host=blob_host(self.storage.media_account),
                    media_account_name=self.storage.media_account.name,
                    media_container=self.storage.container_names[BucketClass.media],
                    media_container_id=self.storage.container_id(BucketClass.media),
                    domains=az.cdn.domains,
                ),
                ctx,
                child,
            )
        self._compose_operations(name)

    def _compose_operations(self, name: str) -> None:
        """The budget with its cost anomaly alert, monitoring (action group and alerts), the workbook."""
        az, ctx, child = self.config.azure, self.ctx, self.child
        rg = self.resource_group.name
        scale_sets = {t.value: s.id for t, s in self.compute.groups.items()}
        insights = {n: c.id for n, c in self.functions.insights.items()}  # the apps' failures (Flex-safe)
        self.budget = AzureBudget(
            f"{name}-budget",
            self.budget_args(
                AzureBudgetArgs,
                resource_group_id=self.resource_group.id,
                # subscription-wide: declared by one stack (alerts.cost_anomaly_owner), like the security singletons
                subscription_id=az.subscription_id if self.config.owns_cost_anomaly_alert() else None,
            ),
            ctx,
            child,
        )
        self.monitoring = AzureMonitoring(
            f"{name}-monitoring",
            AzureMonitoringArgs(
                resource_group_name=rg,
                scale_set_ids=scale_sets,
                function_insights_ids=insights,
                alerts=self.config.alerts,
                front_door_id=self.cdn.profile.id if self.cdn else None,
            ),
            ctx,
            child,
        )
        self.dashboard = AzureDashboard(
            f"{name}-dashboard",
            AzureDashboardArgs(
                tiers=scale_sets,
                functions=insights,
                cdn=self.cdn.profile.id if self.cdn else None,
                resource_group_name=rg,
                location=az.region,
                subscription_id=az.subscription_id or "",
                autoscalers={t.value: a.id for t, a in self.compute.autoscalers.items()},
            ),
            ctx,
            child,
        )
        self._compose_security_operations(name)

    # --- security operations ---------------------------------------------------------

    @property
    def _point_in_time_days(self) -> int | None:
        """The operational backup window the storage accounts' blob services must declare, or None."""
        backup = self.config.backup
        return backup.retention_days if backup.enabled and backup.continuous else None

    def _compose_security_operations(self, name: str) -> None:
        """The WAF on Front Door, the subscription's activity log and Defender plans (owner), the backup vault."""
        config, ctx, child, az = self.config, self.ctx, self.child, self.config.azure
        rg = self.resource_group.name
        waf = config.waf
        self.waf = None
        if waf.enabled and self.cdn is not None:
            self.waf = AzureWaf(
                f"{name}-waf",
                AzureWafArgs(
                    resource_group_name=rg,
                    profile_name=self.cdn.profile.name,
                    domain_ids=[self.cdn.endpoint.id, *(d.id for d in self.cdn.custom_domains.values())],
                    mode=waf.mode,
                    rate_limit_per_minute=waf.rate_limit_per_minute,
                    blocked_cidrs=waf.blocked_cidrs,
                    blocked_countries=waf.blocked_countries,
                    proxy=config.origin_proxy(Provider.azure),
                ),
                ctx,
                child,
            )
        self.audit = None
        if config.owns_audit(self.PROVIDER):
            self.audit = AzureAudit(
                f"{name}-audit",
                AzureAuditArgs(resource_group_name=rg, location=az.region, retention_days=config.audit.retention_days),
                ctx,
                child,
            )
        self.threat_detection = None
        if config.owns_threat_detection(self.PROVIDER):
            self.threat_detection = AzureThreatDetection(
                f"{name}-threat-detection",
                AzureThreatDetectionArgs(
                    subscription_id=az.subscription_id,
                    malware_scan_gb_per_account=config.threat_detection.malware_scan_gb_per_account,
                ),
                ctx,
                child,
            )
        self.backup = None
        accounts = self._backup_accounts()
        if config.backup.enabled and accounts:
            backup = config.backup
            self.backup = AzureBackup(
                f"{name}-backup",
                AzureBackupArgs(
                    resource_group_name=rg,
                    location=az.region,
                    subscription_id=az.subscription_id,
                    accounts=accounts,
                    retention_days=backup.retention_days,
                    schedule_hour_utc=backup.schedule_hour_utc,
                    vault_lock=backup.vault_lock,
                    continuous=backup.continuous,
                    zone_redundant=config.environment is Environment.prod,
                ),
                ctx,
                child,
            )

    def _backup_accounts(self) -> list[BlobAccount]:
        """Each storage account with stateful containers, and those containers."""
        storage = self.storage
        found: dict[str, BlobAccount] = {}
        services = {id(storage.account): storage.blob_service}
        if storage.media_account is not None and storage.media_blob_service is not None:
            services[id(storage.media_account)] = storage.media_blob_service
        for cls, account in storage.accounts.items():
            if cls not in STATEFUL_CLASSES:
                continue
            key = str(id(account))
            previous = found.get(key)
            containers = [*(previous.containers if previous else []), storage.container_names[cls]]
            found[key] = BlobAccount(account.name, account.id, containers, services.get(id(account)))
        return list(found.values())

    @property
    def origin(self) -> pulumi.Output[str] | None:
        """The Front Door endpoint host: the Azure origin pool of the multi-cloud edge."""
        return self.cdn.endpoint.host_name if self.cdn else None

    @property
    def health_path(self) -> str | None:
        """The health blob in the media container, as Front Door serves it (2xx once uploaded)."""
        return self.cdn.health_path if self.cdn else None

    @property
    def cdn_endpoint_host(self) -> pulumi.Output[str] | None:
        """The Front Door endpoint host name: each custom domain needs a CNAME to it."""
        return self.cdn.endpoint.host_name if self.cdn else None

    @property
    def cdn_validation_tokens(self) -> dict[str, pulumi.Output[str]]:
        """Per Front Door custom domain, the token its `_dnsauth.<domain>` TXT record must hold."""
        return self.cdn.validation_tokens if self.cdn else {}

    def exports(self) -> dict[str, pulumi.Input[object]]:
        """Stack outputs: resource group, storage account, containers, apps, scale sets, CDN host, domain records."""
        outputs: dict[str, pulumi.Input[object]] = {
            "resource_group": self.resource_group.name,
            "storage_account": self.storage.account.name,
            "media_storage_account": self.storage.media_account.name if self.storage.media_account else None,
            "containers": {c.value: n for c, n in self.storage.container_names.items()},
            "function_apps": {n: a.default_host_name for n, a in self.functions.functions.items()},
            "scale_sets": {t.value: s.name for t, s in self.compute.groups.items()},
            "predictive_scaling": {t.value: mode for t, mode in self.compute.predictive_modes.items()},
            "workbook": self.dashboard.workbook_name,
        }
        if self.origin is not None:
            outputs["cdn_domain"] = self.origin
        if self.cdn_endpoint_host is not None and self.cdn_validation_tokens:
            # What each custom domain needs in DNS (created in Cloudflare when the domain is in one of its zones).
            outputs["custom_domain_records"] = {
                domain: {"txt_name": f"_dnsauth.{domain}", "txt_value": token, "cname": self.cdn_endpoint_host}
                for domain, token in self.cdn_validation_tokens.items()
            }
        return outputs
