"""CloudflarePlatform: the edge of a stack, built last, in front of the other clouds' origins.

Composes storage (R2), functions (Workers + routes), cdn (zone TLS/HSTS/cache settings),
dns (proxied CNAMEs), load balancing (one pool per cloud origin) and, when `stacks/edge.py`
passes any, the DNS-only records the other clouds' CDN domains need (`cloud_records`). An explicit provider
carries the API token from secret config (`cloudflare:apiToken`) when one is set; otherwise
the provider plugin reads CLOUDFLARE_API_TOKEN. Nothing here reads config: origins and
secrets are passed in by `stacks/edge.py`.

Cloudflare has no budget resource: its spend is checked by the cost model and policy pack.
It serves no origin of its own (`origin` is None): it is the edge.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_cloudflare as cloudflare

from components.cloudflare.cdn import CloudflareCdn
from components.cloudflare.dns import CloudflareCloudRecords, CloudflareDns, DnsOnlyRecord
from components.cloudflare.functions import CloudflareFunctions, CloudflareFunctionsArgs, WorkerRoute
from components.cloudflare.load_balancing import CloudflareLoadBalancing, CloudflareLoadBalancingArgs
from components.cloudflare.storage import CloudflareStorage, CloudflareStorageArgs
from components.common import FunctionPlan, StackContext, bucket_specs, function_plans
from infra.config import Cloudflare, PlatformConfig, Provider


@dataclass(frozen=True)
class CloudflareSecrets:
    """Secret inputs, read by infra/config/reading.py: the API token and the Workers' secret bindings."""

    api_token: pulumi.Output[str] | None = None
    workers: Mapping[str, Mapping[str, pulumi.Output[str]]] = field(default_factory=dict)


def failover(cf: Cloudflare, origins: Mapping[Provider, pulumi.Output[str]]) -> dict[Provider, pulumi.Output[str]]:
    """The origins in failover order: the configured order, else the order they were given."""
    missing = [p.value for p in cf.load_balancer.failover_order if p not in origins]
    if missing:
        raise pulumi.RunError(
            f"cloudflare.load_balancer.failover_order names {', '.join(missing)}, which serve no origin in this "
            f"stack (origins: {', '.join(p.value for p in origins) or 'none'})"
        )
    order = cf.load_balancer.failover_order or list(origins)
    return {p: origins[p] for p in order}


def worker_routes(cf: Cloudflare, plans: list[FunctionPlan]) -> dict[str, list[WorkerRoute]]:
    """Each worker's routes with the zone owning the host; default `<zone>/<worker>/*` on every zone."""
    routes: dict[str, list[WorkerRoute]] = {}
    for plan in plans:
        patterns = list(plan.routes) or [f"{z.name}/{plan.slug}/*" for z in cf.zones]
        routes[plan.name] = []
        for pattern in patterns:
            zone = cf.zone_of(pattern.split("/", 1)[0].removeprefix("*."))
            if zone is None:
                raise pulumi.RunError(f"cloudflare.workers.{plan.name}: route {pattern!r} is in no configured zone")
            routes[plan.name].append(WorkerRoute(pattern=pattern, zone_id=zone.zone_id))
    return routes


class CloudflarePlatform(pulumi.ComponentResource):
    storage: CloudflareStorage
    functions: CloudflareFunctions
    cdn: CloudflareCdn
    dns: CloudflareDns
    load_balancing: CloudflareLoadBalancing | None
    cloud_records: CloudflareCloudRecords | None
    origins: dict[Provider, pulumi.Output[str]]

    def __init__(
        self,
        name: str,
        config: PlatformConfig,
        opts: pulumi.ResourceOptions | None = None,
        *,
        origins: Mapping[Provider, pulumi.Output[str]] | None = None,
        secrets: CloudflareSecrets | None = None,
        records: Sequence[DnsOnlyRecord] = (),
    ) -> None:
        super().__init__("qmoi:cloudflare:Platform", name, None, opts)
        cf = config.cloudflare
        secrets = secrets or CloudflareSecrets()
        ctx = StackContext.from_config(config)
        env = config.environment.value
        provider = cloudflare.Provider(
            f"{name}-provider", api_token=secrets.api_token, opts=pulumi.ResourceOptions(parent=self)
        )
        child = pulumi.ResourceOptions(parent=self, providers={"cloudflare": provider})
        self.origins = failover(cf, origins or {})

        self.storage = CloudflareStorage(
            f"{name}-storage",
            CloudflareStorageArgs(
                account_id=cf.account_id,
                buckets=bucket_specs(cf.r2_bucket, env, config.storage.classes()),
                location=cf.r2_location,
                jurisdiction=cf.r2_jurisdiction,
            ),
            ctx,
            child,
        )
        plans = function_plans(cf.workers, config.functions)
        origins_json = pulumi.Output.all(*self.origins.values()).apply(
            lambda hosts: json.dumps(dict(zip([p.value for p in self.origins], hosts, strict=True)))
        )
        self.functions = CloudflareFunctions(
            f"{name}-functions",
            CloudflareFunctionsArgs(
                account_id=cf.account_id,
                workers=plans,
                routes=worker_routes(cf, plans),
                origins=origins_json,
                secrets=secrets.workers,
            ),
            ctx,
            child,
        )
        self.cdn = CloudflareCdn(f"{name}-cdn", cf.zones, ctx, child)

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
                    expected_codes=lb.expected_codes,
                ),
                ctx,
                child,
            )
        self.dns = CloudflareDns(f"{name}-dns", cf.zones, self._edge_target(cf), ctx, child)
        self.cloud_records = (
            CloudflareCloudRecords(f"{name}-cloud-records", list(records), ctx, child) if records else None
        )
        self.register_outputs(self.exports())

    def _edge_target(self, cf: Cloudflare) -> pulumi.Input[str]:
        """Where the zones' hostnames point: the load balancer, else the first origin."""
        if self.load_balancing is not None:
            return self.load_balancing.load_balancer.name
        if self.origins:
            return next(iter(self.origins.values()))
        if any(z.hostnames for z in cf.zones):
            raise pulumi.RunError("cloudflare.zones[].hostnames: no load balancer and no cloud origin to point at")
        return ""

    @property
    def origin(self) -> pulumi.Output[str] | None:
        """Cloudflare is the edge, not an origin behind it."""
        return None

    @property
    def hostname(self) -> pulumi.Output[str] | None:
        """The platform hostname served by the load balancer, if there is one."""
        return self.load_balancing.load_balancer.name if self.load_balancing else None

    def exports(self) -> dict[str, pulumi.Input[object]]:
        """Stack outputs: R2 bucket names, worker names, DNS hostnames, LB hostname and pools, cloud records."""
        outputs: dict[str, pulumi.Input[object]] = {
            "buckets": {c.value: b.name for c, b in self.storage.buckets.items()},
            "workers": {n: s.script_name for n, s in self.functions.scripts.items()},
            "hostnames": list(self.dns.records),
            "origins": {p.value: o for p, o in self.origins.items()},
        }
        if self.load_balancing is not None:
            outputs["load_balancer"] = self.load_balancing.load_balancer.name
            outputs["pools"] = {p.value: pool.id for p, pool in self.load_balancing.pools.items()}
        if self.cloud_records is not None:
            outputs["cloud_records"] = {key: r.name for key, r in self.cloud_records.records.items()}
        return outputs
