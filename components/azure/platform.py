"""AzurePlatform: the Azure half of a stack, composed from the capability components.

An explicit azure-native provider pins the configured subscription and location (no
ambient `az account` surprises); every child inherits it through `parent`. Everything
lives in one resource group per stack (`qmoi-<env>-rg`), tagged, and protected and retained
in prod like the other stateful resources. The network comes first because the storage
firewall admits the tier and function subnets. `origin` is the Front Door endpoint host,
the Azure origin pool of the multi-cloud edge.
"""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure_native
import pulumi_azure_native.resources as resources

from components.azure.budget import AzureBudget, AzureBudgetArgs
from components.azure.cdn import AzureCdn, AzureCdnArgs
from components.azure.compute import AzureCompute, AzureComputeArgs
from components.azure.functions import AzureFunctions, AzureFunctionsArgs
from components.azure.monitoring import AzureMonitoring, AzureMonitoringArgs
from components.azure.network import AzureNetwork, AzureNetworkArgs
from components.azure.storage import AzureStorage, AzureStorageArgs
from components.platform import ProviderPlatform
from infra.config import BucketClass, Provider, naming


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

    def _declare_provider(self, name: str, opts: pulumi.ResourceOptions) -> pulumi.ProviderResource:
        az = self.config.azure
        return azure_native.Provider(
            f"{name}-provider", subscription_id=az.subscription_id, location=az.region, opts=opts
        )

    def _compose(self, name: str) -> None:
        az, ctx, child, env = self.config.azure, self.ctx, self.child, self.environment
        self.resource_group = resources.ResourceGroup(
            f"{name}-rg",
            resource_group_name=f"qmoi-{env}-rg",
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
                nat_gateway=self.config.network.nat_gateway,
            ),
            ctx,
            child,
        )
        self.storage = AzureStorage(
            f"{name}-storage",
            AzureStorageArgs(
                resource_group_name=rg,
                location=az.region,
                account_name=naming.storage_account_name(az.storage_account, env),
                buckets=self.bucket_specs(az.storage_account),
                artifacts_container=az.container,
                subnet_ids=[self.network.tiers_subnet.id, self.network.functions_subnet.id],
                ip_rules=az.network.storage_ip_rules,
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
                account_name=self.storage.account.name,
                account_id=self.storage.account.id,
                blob_endpoint=self.storage.account.primary_endpoints.apply(lambda e: e.blob),
                artifacts_container=az.container,
                subnet_id=self.network.functions_subnet.id,
            ),
            ctx,
            child,
        )
        self.cdn = None
        if az.cdn.enabled:
            self.cdn = AzureCdn(
                f"{name}-cdn",
                AzureCdnArgs(
                    resource_group_name=rg,
                    subscription_id=az.subscription_id,
                    origin_host=self.storage.blob_host,
                    media_container=self.storage.container_names[BucketClass.media],
                    media_container_id=self.storage.container_id(BucketClass.media),
                    domains=az.cdn.domains,
                ),
                ctx,
                child,
            )
        self.budget = AzureBudget(
            f"{name}-budget", self.budget_args(AzureBudgetArgs, resource_group_id=self.resource_group.id), ctx, child
        )
        self.monitoring = AzureMonitoring(
            f"{name}-monitoring",
            AzureMonitoringArgs(
                resource_group_name=rg,
                scale_set_ids={t.value: s.id for t, s in self.compute.groups.items()},
                function_app_ids={n: a.id for n, a in self.functions.functions.items()},
            ),
            ctx,
            child,
        )

    @property
    def origin(self) -> pulumi.Output[str] | None:
        """The Front Door endpoint host: the Azure origin pool of the multi-cloud edge."""
        return self.cdn.endpoint.host_name if self.cdn else None

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
            "containers": {c.value: n for c, n in self.storage.container_names.items()},
            "function_apps": {n: a.default_host_name for n, a in self.functions.functions.items()},
            "scale_sets": {t.value: s.name for t, s in self.compute.groups.items()},
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
