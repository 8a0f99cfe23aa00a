"""Cloudflare load balancing: the multi-cloud front door.

- one pool per cloud origin (AWS CloudFront, GCP load balancer, Azure Front Door, DigitalOcean
  CDN/app), the origin address taken from that cloud's component output; the origin's own
  hostname is sent as Host header, since CDNs reject hostnames they do not know;
- one HTTPS monitor per pool (GET, certificate verified, 60 s interval, 2 failures to mark
  down, 2 successes to mark up, from `load_balancer.check_regions`: ENAM by default, as unset
  means every Cloudflare data centre, an Enterprise option that multiplies the probes each
  origin answers and pays for) on that origin's own health path: an object the cloud's
  platform creates and serves with 2xx (`ProviderPlatform.health_path`; the configured
  `health_path` for a cloud that declares none), with the origin's hostname as Host header.
  One monitor for all pools would probe a path most origins answer with 4xx, every pool
  would be down, and all traffic would go to the fallback pool whatever its health;
- the load balancer on the platform hostname, proxied (so the zone's TLS and cache settings
  apply), pools in failover order (`default_pools`), the last one as `fallback_pool`, and the
  configured steering; with geo steering, `region_pools` maps Cloudflare regions to pools.
Load Balancing needs the add-on subscription on the account. Pools and monitors take no tags.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_cloudflare as cloudflare

from components.context import StackContext
from infra.config import Provider

HTTPS_PORT = 443


@dataclass(frozen=True)
class CloudflareLoadBalancingArgs:
    account_id: str
    zone_id: str
    hostname: str
    origins: Mapping[Provider, pulumi.Input[str]]
    """Origin hostname per cloud, in failover order."""
    steering: str = "off"
    region_pools: Mapping[str, list[Provider]] = field(default_factory=dict)
    health_path: str = "/"
    """The path probed on an origin whose cloud declares no health path of its own."""
    health_paths: Mapping[Provider, str] = field(default_factory=dict)
    """Per cloud, the path its origin answers with 2xx (an object its platform creates)."""
    expected_codes: str = "2xx"
    check_regions: tuple[str, ...] = ("ENAM",)
    """Regions the monitors probe from; never unset (every data centre: Enterprise only, and probe traffic
    every origin pays for)."""


class CloudflareLoadBalancing(pulumi.ComponentResource):
    monitors: dict[Provider, cloudflare.LoadBalancerMonitor]
    pools: dict[Provider, cloudflare.LoadBalancerPool]
    load_balancer: cloudflare.LoadBalancer

    def __init__(
        self,
        name: str,
        args: CloudflareLoadBalancingArgs,
        ctx: StackContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("qmoi:cloudflare:LoadBalancing", name, None, opts)
        if not args.origins:
            raise ValueError(f"{name}: a load balancer needs at least one origin")
        self.monitors = {
            provider: cloudflare.LoadBalancerMonitor(
                f"{name}-{provider.value}-monitor",
                account_id=args.account_id,
                description=f"qmoi {ctx.stack_names.stack}: the {provider.value} origin over HTTPS",
                type="https",
                method="GET",
                path=args.health_paths.get(provider, args.health_path),
                header={"Host": [origin]},
                port=HTTPS_PORT,
                expected_codes=args.expected_codes,
                allow_insecure=False,
                follow_redirects=False,
                interval=60,
                timeout=5,
                retries=2,
                consecutive_down=2,
                consecutive_up=2,
                opts=ctx.child(self),
            )
            for provider, origin in args.origins.items()
        }
        self.pools = {
            provider: cloudflare.LoadBalancerPool(
                f"{name}-{provider.value}",
                account_id=args.account_id,
                name=f"{ctx.prefix}-{provider.value}",
                description=f"qmoi {ctx.stack_names.stack}: the {provider.value} origin",
                enabled=True,
                minimum_origins=1,
                monitor=self.monitors[provider].id,
                check_regions=list(args.check_regions),
                origins=[
                    cloudflare.LoadBalancerPoolOriginArgs(
                        name=provider.value,
                        address=origin,
                        enabled=True,
                        weight=1,
                        header=cloudflare.LoadBalancerPoolOriginHeaderArgs(hosts=[origin]),
                    )
                ],
                opts=ctx.child(self),
            )
            for provider, origin in args.origins.items()
        }
        ordered = [pool.id for pool in self.pools.values()]
        self.load_balancer = cloudflare.LoadBalancer(
            f"{name}-lb",
            zone_id=args.zone_id,
            name=args.hostname,
            description=f"qmoi {ctx.stack_names.stack}: multi-cloud origins",
            enabled=True,
            proxied=True,
            default_pools=ordered,
            fallback_pool=ordered[-1],
            steering_policy=args.steering,
            region_pools={r: [self.pools[p].id for p in pools] for r, pools in args.region_pools.items()} or None,
            session_affinity="none",
            opts=ctx.child(self),
        )
        self.register_outputs({"hostname": self.load_balancer.name, "pools": [p.value for p in self.pools]})
