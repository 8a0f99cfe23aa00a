"""CloudflarePlatform: the edge of a stack, built last, in front of the other clouds' origins.

Composes storage (R2), functions (Workers + routes), cdn (zone TLS/HSTS/cache settings, only
in the stack that owns the zones' zone-wide settings: a zone has one of each, so the others
use the owner's), dns (proxied CNAMEs), load balancing (one pool and monitor per cloud origin)
and, when `stacks/edge.py` passes any, the DNS-only records the other clouds' CDN domains need
(`cloud_records`). The edge Worker gets a route on every hostname the stack proxies, so its
security headers and edge endpoints run wherever the edge answers. An explicit provider
carries the API token from secret config (`cloudflare:apiToken`) when one is set; otherwise
the provider plugin reads CLOUDFLARE_API_TOKEN. Nothing here reads config: origins and
secrets are passed in by `stacks/edge.py`.

Monitoring: a notification policy e-mails the alert addresses when a load-balancer pool or origin
changes health (each cloud's origin health as the edge sees it).

Security operations: the WAF (components/cloudflare/waf.py: managed rulesets and a rate limit, zone
entry points) only in the stack that owns the zones' settings, like the CDN settings. Cloudflare's
account audit log is kept by Cloudflare (no Logpush job is declared: docs/cloudflare.md).

Cloudflare has no budget resource: its spend is checked by the cost model and policy pack.
It serves no origin of its own (`origin` is None, the base's default): it is the edge.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_cloudflare as cloudflare

from components.cloudflare.cdn import CloudflareCdn, CloudflareCdnArgs
from components.cloudflare.dns import (
    CloudflareCloudRecords,
    CloudflareCloudRecordsArgs,
    CloudflareDns,
    CloudflareDnsArgs,
    DnsOnlyRecord,
)
from components.cloudflare.functions import CloudflareFunctions, CloudflareFunctionsArgs, WorkerRoute
from components.cloudflare.load_balancing import CloudflareLoadBalancing, CloudflareLoadBalancingArgs
from components.cloudflare.monitoring import CloudflareMonitoring, CloudflareMonitoringArgs
from components.cloudflare.storage import CloudflareStorage, CloudflareStorageArgs
from components.cloudflare.waf import CloudflareWaf, CloudflareWafArgs
from components.platform import ProviderPlatform
from components.specs import FunctionPlan
from infra.config import Cloudflare, PlatformConfig, Provider


@dataclass(frozen=True)
class CloudflareSecrets:
    """Secret inputs, read by infra/config/reading.py: the API token and the Workers' secret bindings."""

    api_token: pulumi.Output[str] | None = None
    workers: Mapping[str, Mapping[str, pulumi.Output[str]]] = field(default_factory=dict)


def failover(cf: Cloudflare, origins: Mapping[Provider, pulumi.Output[str]]) -> dict[Provider, pulumi.Output[str]]:
    """The origins in failover order: the configured order (validated against the origins), else as given."""
    order = cf.load_balancer.failover_order or list(origins)
    return {p: origins[p] for p in order}


def worker_routes(cf: Cloudflare, plans: list[FunctionPlan], environment: str) -> dict[str, list[WorkerRoute]]:
    """Each worker's routes with the zone owning the host (resolved by the config model); the edge
    worker also gets `<host>/*` on every proxied hostname (each pattern once)."""
    edge = cf.edge_worker_name()
    routes = {}
    for plan in plans:
        found = dict(cf.worker_routes(plan.name))
        if plan.name == edge:
            for host in cf.proxied_hostnames(environment):
                zone = cf.zone_of(host)
                if zone is not None:
                    found.setdefault(f"{host}/*", zone.zone_id)
        routes[plan.name] = [WorkerRoute(p, zone_id) for p, zone_id in found.items()]
    return routes


class CloudflarePlatform(ProviderPlatform):
    PROVIDER = Provider.cloudflare
    PACKAGE = "cloudflare"

    storage: CloudflareStorage
    functions: CloudflareFunctions
    cdn: CloudflareCdn | None
    dns: CloudflareDns
    load_balancing: CloudflareLoadBalancing | None
    monitoring: CloudflareMonitoring | None
    cloud_records: CloudflareCloudRecords | None
    origins: dict[Provider, pulumi.Output[str]]
    # security operations
    waf: CloudflareWaf | None

    def __init__(
        self,
        name: str,
        config: PlatformConfig,
        opts: pulumi.ResourceOptions | None = None,
        *,
        origins: Mapping[Provider, pulumi.Output[str]] | None = None,
        secrets: CloudflareSecrets | None = None,
        records: Sequence[DnsOnlyRecord] = (),
        health_paths: Mapping[Provider, str] | None = None,
    ) -> None:
        # What the edge is built in front of; read by _declare_provider and _compose during the base constructor.
        self._secrets = secrets or CloudflareSecrets()
        self._records = list(records)
        self._health_paths = dict(health_paths or {})
        self.origins = failover(config.cloudflare, origins or {})
        super().__init__(name, config, opts)

    def _declare_provider(self, name: str, opts: pulumi.ResourceOptions) -> pulumi.ProviderResource:
        return cloudflare.Provider(f"{name}-provider", api_token=self._secrets.api_token, opts=opts)

    def _compose(self, name: str) -> None:
        cf, ctx, child, env = self.config.cloudflare, self.ctx, self.child, self.environment
        self.storage = CloudflareStorage(
            f"{name}-storage",
            CloudflareStorageArgs(
                account_id=cf.account_id,
                buckets=self.bucket_specs(cf.r2_bucket),
                location=cf.r2_location,
                jurisdiction=cf.r2_jurisdiction,
            ),
            ctx,
            child,
        )
        plans = self.function_plans(cf.workers)
        origins_json = pulumi.Output.all(*self.origins.values()).apply(
            lambda hosts: json.dumps(dict(zip([p.value for p in self.origins], hosts, strict=True)))
        )
        self.functions = CloudflareFunctions(
            f"{name}-functions",
            CloudflareFunctionsArgs(
                functions=plans,
                account_id=cf.account_id,
                routes=worker_routes(cf, plans, env),
                origins=origins_json,
                secrets=self._secrets.workers,
            ),
            ctx,
            child,
        )
        self.cdn = (
            CloudflareCdn(f"{name}-cdn", CloudflareCdnArgs(cf.zones), ctx, child)
            if self.config.owns_zone_settings
            else None
        )

        self.load_balancing = None
        hostname = cf.lb_hostname(env)
        lb_zone = cf.zone_of(hostname) if hostname else None
        if cf.load_balancer.enabled and hostname and lb_zone:
            lb = cf.load_balancer
            self.load_balancing = CloudflareLoadBalancing(
                f"{name}-lb",
                CloudflareLoadBalancingArgs(
                    account_id=cf.account_id,
                    zone_id=lb_zone.zone_id,
                    hostname=hostname,
                    origins=self.origins,
                    steering=lb.steering,
                    region_pools=lb.geo,
                    health_path=lb.health_path,
                    health_paths=self._health_paths,
                    expected_codes=lb.expected_codes,
                    check_regions=tuple(lb.check_regions),
                ),
                ctx,
                child,
            )
        self.monitoring = None
        if self.load_balancing is not None:
            self.monitoring = CloudflareMonitoring(
                f"{name}-monitoring",
                CloudflareMonitoringArgs(
                    account_id=cf.account_id,
                    pool_ids={p.value: pool.id for p, pool in self.load_balancing.pools.items()},
                ),
                ctx,
                child,
            )
        paid = cf.record_tags_allowed
        self.dns = CloudflareDns(f"{name}-dns", CloudflareDnsArgs(cf.zones, self._edge_target(), paid), ctx, child)
        self.cloud_records = (
            CloudflareCloudRecords(f"{name}-cloud-records", CloudflareCloudRecordsArgs(self._records, paid), ctx, child)
            if self._records
            else None
        )
        self._compose_security_operations(name)

    # --- security operations ---------------------------------------------------------

    def _compose_security_operations(self, name: str) -> None:
        """The zones' WAF entry points, in the stack that owns the zones' settings only."""
        cf, waf = self.config.cloudflare, self.config.waf
        self.waf = None
        if waf.enabled and self.config.owns_zone_settings:
            self.waf = CloudflareWaf(
                f"{name}-waf",
                CloudflareWafArgs(cf.zones, cf.zone_plan, waf.mode, waf.rate_limit_per_minute),
                self.ctx,
                self.child,
            )

    def _edge_target(self) -> pulumi.Input[str]:
        """Where the zones' hostnames point: the load balancer, else the first origin (validation
        ensures one of them exists when a zone lists hostnames)."""
        if self.load_balancing is not None:
            return self.load_balancing.load_balancer.name
        return next(iter(self.origins.values()), "")

    @property
    def hostname(self) -> pulumi.Output[str] | None:
        """The platform hostname served by the load balancer, if there is one."""
        return self.load_balancing.load_balancer.name if self.load_balancing else None

    def exports(self) -> dict[str, pulumi.Input[object]]:
        """Stack outputs: R2 bucket names, worker names, DNS hostnames, LB hostname and pools, cloud records."""
        outputs: dict[str, pulumi.Input[object]] = {
            "buckets": {c.value: b.name for c, b in self.storage.buckets.items()},
            "workers": {n: s.script_name for n, s in self.functions.functions.items()},
            "hostnames": list(self.dns.records),
            "origins": {p.value: o for p, o in self.origins.items()},
        }
        if self.load_balancing is not None:
            outputs["load_balancer"] = self.load_balancing.load_balancer.name
            outputs["pools"] = {p.value: pool.id for p, pool in self.load_balancing.pools.items()}
        if self.cloud_records is not None:
            outputs["cloud_records"] = {key: r.name for key, r in self.cloud_records.records.items()}
        return outputs
