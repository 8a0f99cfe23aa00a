"""DigitalOcean compute: per tier a droplet autoscale pool.

Each pool's droplet template: the tier's size and image, the tier's region and VPC, the SSH
keys (DigitalOcean requires them; there are no passwords), the tier tag plus the stack's
required tags as `key:value` tags, IPv6, the droplet agent, and user data that installs the
DigitalOcean metrics agent (memory utilization, which both the pool's memory target and the
memory alerts read, is reported only by that agent).

Per pool: min/max from the environment's autoscaling profile and targets of the tier's CPU
percent and MEMORY_TARGET_PERCENT. A pool sizes itself as ceil(droplets x utilization /
target), so a pool with min 0 stays empty until someone raises its minimum: DigitalOcean
cannot scale a pool up from zero on utilization. Cooldown: 5 minutes, 10 for GPU droplets
(longer boot). DigitalOcean has no spot droplets; `capacity: spot` is priced on-demand.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_digitalocean as digitalocean

from components.context import StackContext
from components.digitalocean.tags import droplet_tags
from components.specs import TierSpec
from infra.config import Tier

MEMORY_TARGET_PERCENT = 75
COOLDOWN_MINUTES = {Tier.gpu: 10}
DEFAULT_COOLDOWN_MINUTES = 5
METRICS_AGENT_USER_DATA = """#cloud-config
runcmd:
  - curl -sSL https://repos.insights.digitalocean.com/install.sh | bash
"""


@dataclass(frozen=True)
class DropletPool:
    """Where and how one tier runs."""

    spec: TierSpec
    region: str
    image: str
    vpc_id: pulumi.Input[str]
    tag: pulumi.Input[str]


@dataclass(frozen=True)
class DigitalOceanComputeArgs:
    pools: list[DropletPool]
    ssh_keys: list[str]


class DigitalOceanCompute(pulumi.ComponentResource):
    groups: dict[Tier, digitalocean.DropletAutoscale]

    def __init__(
        self, name: str, args: DigitalOceanComputeArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:digitalocean:Compute", name, None, opts)
        self.groups = {pool.spec.tier: self._pool(name, pool, args.ssh_keys, ctx) for pool in args.pools}
        self.register_outputs({f"{t.value}_pool": p.name for t, p in self.groups.items()})

    def _pool(
        self, name: str, pool: DropletPool, ssh_keys: list[str], ctx: StackContext
    ) -> digitalocean.DropletAutoscale:
        tier = pool.spec.tier
        scaling = pool.spec.scaling
        return digitalocean.DropletAutoscale(
            f"{name}-{tier.value}-pool",
            name=f"{ctx.prefix}-{tier.value}",
            config=digitalocean.DropletAutoscaleConfigArgs(
                min_instances=scaling.min,
                max_instances=scaling.max,
                target_cpu_utilization=scaling.cpu_target_percent / 100,
                target_memory_utilization=MEMORY_TARGET_PERCENT / 100,
                cooldown_minutes=COOLDOWN_MINUTES.get(tier, DEFAULT_COOLDOWN_MINUTES),
            ),
            droplet_template=digitalocean.DropletAutoscaleDropletTemplateArgs(
                size=pool.spec.size,
                region=pool.region,
                image=pool.image,
                vpc_uuid=pool.vpc_id,
                ssh_keys=ssh_keys,
                tags=pulumi.Output.all(pool.tag, *droplet_tags(ctx.tags_with(tier=tier.value))),
                ipv6=True,
                with_droplet_agent=True,
                user_data=METRICS_AGENT_USER_DATA,
            ),
            opts=ctx.child(self),
        )
