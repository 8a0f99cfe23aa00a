"""GcpPlatform: the Google Cloud half of a stack, composed from the capability components.

An explicit provider pins the configured project and region (no ambient gcloud defaults);
every child inherits it through `parent`. Its billing project is the stack's project with
`user_project_override`, because the Billing Budgets API refuses user credentials without a
quota project. The project number, which service-agent identities and the budget filter
need, is read once with `organizations.get_project`.
"""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from components.common import BudgetArgs, StackContext, bucket_specs, function_plans, tier_specs
from components.gcp.budget import GcpBudget, GcpBudgetArgs
from components.gcp.cdn import GcpCdn, GcpCdnArgs
from components.gcp.compute import HEALTH_CHECK_PORT, GcpCompute, GcpComputeArgs
from components.gcp.functions import GcpFunctions, GcpFunctionsArgs
from components.gcp.monitoring import GcpMonitoring, GcpMonitoringArgs
from components.gcp.network import GcpNetwork, GcpNetworkArgs
from components.gcp.storage import GcpStorage, GcpStorageArgs
from infra.config import BucketClass, PlatformConfig, Provider


class GcpPlatform(pulumi.ComponentResource):
    storage: GcpStorage
    network: GcpNetwork
    compute: GcpCompute
    functions: GcpFunctions
    cdn: GcpCdn | None
    budget: GcpBudget
    monitoring: GcpMonitoring

    def __init__(self, name: str, config: PlatformConfig, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("qmoi:gcp:Platform", name, None, opts)
        gcp_config = config.gcp
        ctx = StackContext.from_config(config)
        env = config.environment.value
        project = gcp_config.project_id
        provider = gcp.Provider(
            f"{name}-provider",
            project=project,
            region=gcp_config.region,
            billing_project=project,
            user_project_override=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        child = pulumi.ResourceOptions(parent=self, providers={"gcp": provider})
        project_number = gcp.organizations.get_project_output(
            project_id=project, opts=pulumi.InvokeOutputOptions(parent=self, provider=provider)
        ).number

        self.storage = GcpStorage(
            f"{name}-storage",
            GcpStorageArgs(
                buckets=bucket_specs(gcp_config.storage_bucket, env, config.storage.classes()),
                log_bucket_name=f"{gcp_config.storage_bucket}-{env}-logs",
                location=gcp_config.region.upper(),
                cmek=gcp_config.cmek,
            ),
            ctx,
            child,
        )
        self.network = GcpNetwork(
            f"{name}-network",
            GcpNetworkArgs(
                cidr=gcp_config.network.cidr,
                region=gcp_config.region,
                nat_gateway=config.network.nat_gateway,
                health_check_port=HEALTH_CHECK_PORT,
            ),
            ctx,
            child,
        )
        machines = gcp_config.compute_instances.machines()
        scaling = {t: getattr(config.autoscaling, t.value) for t in machines}
        self.compute = GcpCompute(
            f"{name}-compute",
            GcpComputeArgs(
                tiers=tier_specs({t: m.machine_type for t, m in machines.items()}, scaling),
                machines=machines,
                region=gcp_config.region,
                project=project,
                subnetwork=self.network.subnetwork.id,
                network_tag=self.network.tier_tag,
                kms_key=self.storage.key.id if self.storage.key else None,
                project_number=project_number,
            ),
            ctx,
            child,
        )
        self.functions = GcpFunctions(
            f"{name}-functions",
            GcpFunctionsArgs(
                plans=function_plans(gcp_config.cloud_functions, config.functions),
                region=gcp_config.region,
                project=project,
                source_bucket=self.storage.buckets[BucketClass.artifacts].name,
            ),
            ctx,
            child,
        )
        self.cdn = None
        if gcp_config.cdn.enabled:
            self.cdn = GcpCdn(
                f"{name}-cdn",
                GcpCdnArgs(
                    bucket=self.storage.buckets[BucketClass.media],
                    domains=gcp_config.cdn.domains,
                    project_number=project_number,
                ),
                ctx,
                child,
            )
        self.monitoring = GcpMonitoring(
            f"{name}-monitoring",
            GcpMonitoringArgs(
                tiers=[t.value for t in self.compute.groups],
                function_names={n: f.name for n, f in self.functions.functions.items()},
            ),
            ctx,
            child,
        )
        # Validation guarantees a billing account whenever gcp is enabled.
        billing_account = gcp_config.billing_account or ""
        self.budget = GcpBudget(
            f"{name}-budget",
            BudgetArgs.for_provider(config, Provider.gcp),
            GcpBudgetArgs(
                billing_account=billing_account,
                project_number=project_number,
                notification_channels=[c.id for c in self.monitoring.channels],
            ),
            ctx,
            child,
        )
        self.register_outputs(self.exports())

    @property
    def origin(self) -> pulumi.Output[str] | None:
        """The GCP origin of the multi-cloud edge: the CDN's first domain, which its certificate covers.

        Not the bare IP: the edge sends the origin as Host/SNI and verifies the certificate
        (Full strict). The domain needs a DNS-only A record to `cdn_address` (see docs/gcp.md).
        """
        return self.cdn.hostname if self.cdn else None

    @property
    def cdn_address(self) -> pulumi.Output[str] | None:
        """The HTTPS load balancer's global IPv4 address: `cdn_domains` need DNS-only A records to it."""
        return self.cdn.address.address if self.cdn else None

    @property
    def cdn_domains(self) -> list[str]:
        """The domains of the Google-managed certificate, issued once their A records point at `cdn_address`."""
        return self.cdn.domains if self.cdn else []

    def exports(self) -> dict[str, pulumi.Input[object]]:
        """Stack outputs: bucket names, function names, instance group names, CDN address and hostname."""
        outputs: dict[str, pulumi.Input[object]] = {
            "buckets": {c.value: b.name for c, b in self.storage.buckets.items()},
            "functions": {n: f.name for n, f in self.functions.functions.items()},
            "instance_groups": {t.value: g.name for t, g in self.compute.groups.items()},
        }
        if self.cdn is not None:
            outputs["cdn_address"] = self.cdn.address.address
            outputs["cdn_domain"] = self.cdn.hostname
        return outputs
