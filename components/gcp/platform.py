"""GcpPlatform: the Google Cloud half of a stack, composed from the capability components.

An explicit provider pins the configured project and region (no ambient gcloud defaults);
every child inherits it through `parent`. Its billing project is the stack's project with
`user_project_override`, because the Billing Budgets API refuses user credentials without a
quota project. The project number, which service-agent identities and the budget filter
need, is read once with `organizations.get_project`.

Security operations (components/gcp/{waf,audit,threat_detection}.py) are composed in their own
block: the Cloud Armor edge policy before the CDN whose backend bucket names it; the project's
audit configuration and the security-changes alert only in the stack that owns them
(`audit.account_owner`, `threat_detection.account_owner`), after monitoring, whose channels it
notifies. Backups are the buckets' own (versioning, soft delete, retention): there is no vault.
"""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from components.gcp.audit import GcpAudit, GcpAuditArgs
from components.gcp.budget import GcpBudget, GcpBudgetArgs
from components.gcp.cdn import GcpCdn, GcpCdnArgs
from components.gcp.compute import HEALTH_CHECK_PORT, GcpCompute, GcpComputeArgs
from components.gcp.dashboard import GcpDashboard, GcpDashboardArgs
from components.gcp.functions import GcpFunctions, GcpFunctionsArgs
from components.gcp.monitoring import GcpMonitoring, GcpMonitoringArgs
from components.gcp.network import GcpNetwork, GcpNetworkArgs
from components.gcp.storage import GcpStorage, GcpStorageArgs
from components.gcp.threat_detection import GcpThreatDetection, GcpThreatDetectionArgs
from components.gcp.waf import GcpWaf, GcpWafArgs
from components.platform import ProviderPlatform
from components.specs import HEALTH_OBJECT_KEY
from infra.config import BucketClass, Provider


class GcpPlatform(ProviderPlatform):
    PROVIDER = Provider.gcp
    PACKAGE = "gcp"

    storage: GcpStorage
    network: GcpNetwork
    compute: GcpCompute
    functions: GcpFunctions
    cdn: GcpCdn | None
    budget: GcpBudget
    monitoring: GcpMonitoring
    dashboard: GcpDashboard
    # security operations
    waf: GcpWaf | None
    audit: GcpAudit | None
    threat_detection: GcpThreatDetection | None

    @property
    def _project(self) -> str:
        # Validation requires a project whenever gcp is enabled.
        return self.config.gcp.project_id or ""

    def _declare_provider(self, name: str, opts: pulumi.ResourceOptions) -> pulumi.ProviderResource:
        project = self._project
        return gcp.Provider(
            f"{name}-provider",
            project=project,
            region=self.config.gcp.region,
            billing_project=project,
            user_project_override=True,
            opts=opts,
        )

    def _compose(self, name: str) -> None:
        gcp_config, ctx, child = self.config.gcp, self.ctx, self.child
        project = self._project
        project_number = gcp.organizations.get_project_output(
            project_id=project, opts=pulumi.InvokeOutputOptions(parent=self, provider=self.provider)
        ).number

        self.storage = GcpStorage(
            f"{name}-storage",
            GcpStorageArgs(
                buckets=self.bucket_specs(gcp_config.storage_bucket),
                log_bucket_name=self.bucket_name(gcp_config.storage_bucket, "logs"),
                location=gcp_config.region.upper(),
                cmek=gcp_config.cmek,
                public_read=frozenset({BucketClass.media}) if gcp_config.cdn.enabled else frozenset(),
            ),
            ctx,
            child,
        )
        self.network = GcpNetwork(
            f"{name}-network",
            GcpNetworkArgs(
                cidr=gcp_config.network.cidr,
                region=gcp_config.region,
                nat_gateway=self.config.network.nat_gateway,
                health_check_port=HEALTH_CHECK_PORT,
                flow_logs=self.config.network.flow_logs,
            ),
            ctx,
            child,
        )
        self.compute = GcpCompute(
            f"{name}-compute",
            GcpComputeArgs(
                tiers=self.tier_specs(),
                machines=gcp_config.compute_instances.machines(),
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
                functions=self.function_plans(gcp_config.cloud_functions),
                region=gcp_config.region,
                project=project,
                source_bucket=self.storage.buckets[BucketClass.artifacts].name,
            ),
            ctx,
            child,
        )
        self.waf = self._waf(name) if gcp_config.cdn.enabled else None
        self.cdn = None
        if gcp_config.cdn.enabled:
            self.cdn = GcpCdn(
                f"{name}-cdn",
                GcpCdnArgs(
                    bucket=self.storage.buckets[BucketClass.media],
                    domains=gcp_config.cdn.domains,
                    bucket_readable=[self.storage.public_grants[BucketClass.media]],
                    edge_security_policy=self.waf.policy.id if self.waf else None,
                ),
                ctx,
                child,
            )
        self._compose_operations(name, project, project_number)

    def _compose_operations(self, name: str, project: str, project_number: pulumi.Input[str]) -> None:
        """Monitoring (channels and alert policies), the budget with its forecast alerts, the dashboard."""
        gcp_config, ctx, child = self.config.gcp, self.ctx, self.child
        functions = {n: f.name for n, f in self.functions.functions.items()}
        self.monitoring = GcpMonitoring(
            f"{name}-monitoring",
            GcpMonitoringArgs(
                tiers=[t.value for t in self.compute.groups],
                function_names=functions,
                alerts=self.config.alerts,
                url_map_name=self.cdn.url_map.name if self.cdn else None,
                group_minimums={
                    t.value: (g.name, getattr(self.config.autoscaling, t.value).min)
                    for t, g in self.compute.groups.items()
                },
            ),
            ctx,
            child,
        )
        self.dashboard = GcpDashboard(
            f"{name}-dashboard",
            GcpDashboardArgs(
                tiers={t.value: g.name for t, g in self.compute.groups.items()},
                functions=functions,
                cdn=self.cdn.url_map.name if self.cdn else None,
                project=project,
            ),
            ctx,
            child,
        )
        self.budget = GcpBudget(
            f"{name}-budget",
            self.budget_args(
                GcpBudgetArgs,
                # Validation guarantees a billing account whenever gcp is enabled.
                billing_account=gcp_config.billing_account or "",
                project_number=project_number,
                notification_channels=[c.id for c in self.monitoring.channels],
            ),
            ctx,
            child,
        )
        self._compose_security_operations(name)

    # --- security operations ---------------------------------------------------------

    def _waf(self, name: str) -> GcpWaf | None:
        """The edge policy of the CDN's backend bucket (before the CDN, which names it)."""
        waf = self.config.waf
        if not waf.enabled:
            return None
        return GcpWaf(
            f"{name}-waf",
            GcpWafArgs(
                waf.mode, waf.blocked_cidrs, waf.blocked_countries, proxy=self.config.origin_proxy(Provider.gcp)
            ),
            self.ctx,
            self.child,
        )

    def _compose_security_operations(self, name: str) -> None:
        """The project's audit configuration and security alert (owner stack only)."""
        config, ctx, child, project = self.config, self.ctx, self.child, self._project
        self.audit = None
        if config.owns_audit(self.PROVIDER):
            self.audit = GcpAudit(
                f"{name}-audit",
                GcpAuditArgs(
                    project=project,
                    bucket_name=self.bucket_name(config.gcp.storage_bucket, "audit"),
                    location=config.gcp.region.upper(),
                    retention_days=config.audit.retention_days,
                    immutable=config.audit.immutable,
                    data_reads=config.audit.data_events,
                    kms_key=self.storage.key.id if self.storage.key else None,
                    key_ready=self.storage.key_ready,
                ),
                ctx,
                child,
            )
        self.threat_detection = None
        if config.owns_threat_detection(self.PROVIDER):
            self.threat_detection = GcpThreatDetection(
                f"{name}-threat-detection",
                GcpThreatDetectionArgs(project=project, notification_channels=[c.id for c in self.monitoring.channels]),
                ctx,
                child,
            )

    @property
    def origin(self) -> pulumi.Output[str] | None:
        """The GCP origin of the multi-cloud edge: the CDN's first domain, which its certificate covers.

        Not the bare IP: the edge sends the origin as Host/SNI and verifies the certificate
        (Full strict). The domain needs a DNS-only A record to `cdn_address` (see docs/gcp.md).
        """
        return self.cdn.hostname if self.cdn else None

    @property
    def health_path(self) -> str | None:
        """The health object the CDN component puts in the media bucket (served by the load balancer)."""
        return f"/{HEALTH_OBJECT_KEY}" if self.cdn else None

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
            "predictive_scaling": {t.value: mode for t, mode in self.compute.predictive_modes.items()},
            "dashboard": self.dashboard.dashboard.id,
        }
        if self.cdn is not None:
            outputs["cdn_address"] = self.cdn.address.address
            outputs["cdn_domain"] = self.cdn.hostname
            outputs["health_path"] = self.health_path
        return outputs
