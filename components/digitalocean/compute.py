"""DigitalOcean compute: per tier a droplet autoscale pool.

Each pool's droplet template: the tier's size and image, the tier's region and VPC, the SSH
keys (DigitalOcean requires them; there are no passwords), the tier tag plus the stack's
required tags as `key:value` tags, IPv6, the droplet agent, and user data that installs the
DigitalOcean metrics agent (memory utilization, which both the pool's memory target and the
memory alerts read, is reported only by that agent) from DigitalOcean's apt repository, signed
by the key vendored next to this module (`do-agent.asc`, fingerprint DO_AGENT_KEY_FINGERPRINT)
and pinned to DO_AGENT_VERSION: no `curl | bash`, nothing unverified runs at boot.

Per pool: min/max from the environment's autoscaling profile and targets of the tier's CPU
percent and MEMORY_TARGET_PERCENT. A pool sizes itself as ceil(droplets x utilization /
target). The API requires `min_instances` >= 1, and a pool could not scale up from zero on
utilization anyway, so a tier whose minimum is 0 is *parked*: no pool is declared (a warning
says so); set `autoscaling.<tier>.min: 1` to run it. GPU droplets are kept at a fixed size
(`target_number_instances` = desired): DigitalOcean pools scale only on CPU and memory, which
do not show GPU load. Cooldown: 5 minutes, 10 for GPU droplets (longer boot). DigitalOcean has
no spot droplets; `capacity: spot` is priced on-demand.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from textwrap import indent

import pulumi
import pulumi_digitalocean as digitalocean

from components.context import StackContext
from components.digitalocean.tags import droplet_tags
from components.specs import TierSpec
from infra.config import DIGITALOCEAN_MIN_POOL_INSTANCES, Tier

MEMORY_TARGET_PERCENT = 75
COOLDOWN_MINUTES = {Tier.gpu: 10}
DEFAULT_COOLDOWN_MINUTES = 5
GPU_SIZE_PREFIX = "gpu-"
# DigitalOcean's metrics agent: its apt repository's signing key (as served at
# https://repos.insights.digitalocean.com/sonar-agent.asc; a test checks the fingerprint) and the version installed.
DO_AGENT_KEY = (Path(__file__).parent / "do-agent.asc").read_text()
DO_AGENT_KEY_FINGERPRINT = "902C44B42EA9A17F8578510977B79B3FFAF7EF65"
DO_AGENT_VERSION = "3.17.1"
DO_AGENT_REPOSITORY = "https://repos.insights.digitalocean.com/apt/do-agent"
METRICS_AGENT_USER_DATA = f"""#cloud-config
apt:
  sources:
    digitalocean-agent:
      source: "deb [signed-by=$KEY_FILE] {DO_AGENT_REPOSITORY} main main"
      key: |
{indent(DO_AGENT_KEY.strip(), " " * 8)}
package_update: true
packages:
  - [do-agent, "{DO_AGENT_VERSION}"]
"""


def parked(spec: TierSpec) -> bool:
    """A tier DigitalOcean cannot run as a pool: its minimum is below the API's 1."""
    return spec.scaling.min < DIGITALOCEAN_MIN_POOL_INSTANCES


def scaling_config(spec: TierSpec) -> digitalocean.DropletAutoscaleConfigArgs:
    """Utilization targets for CPU tiers; a fixed size for GPU droplets (no GPU metric to scale on)."""
    cooldown = COOLDOWN_MINUTES.get(spec.tier, DEFAULT_COOLDOWN_MINUTES)
    if spec.size.startswith(GPU_SIZE_PREFIX):
        return digitalocean.DropletAutoscaleConfigArgs(target_number_instances=spec.scaling.desired)
    return digitalocean.DropletAutoscaleConfigArgs(
        min_instances=spec.scaling.min,
        max_instances=spec.scaling.max,
        target_cpu_utilization=spec.scaling.cpu_target_percent / 100,
        target_memory_utilization=MEMORY_TARGET_PERCENT / 100,
        cooldown_minutes=cooldown,
    )


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
    parked: list[Tier]

    def __init__(
        self, name: str, args: DigitalOceanComputeArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:digitalocean:Compute", name, None, opts)
        # Validation reports parked tiers (PlatformConfig.notices); the plan shows them as warnings.
        self.parked = [pool.spec.tier for pool in args.pools if parked(pool.spec)]
        self.groups = {
            pool.spec.tier: self._pool(name, pool, args.ssh_keys, ctx) for pool in args.pools if not parked(pool.spec)
        }
        self.register_outputs({f"{t.value}_pool": p.name for t, p in self.groups.items()})

    def _pool(
        self, name: str, pool: DropletPool, ssh_keys: list[str], ctx: StackContext
    ) -> digitalocean.DropletAutoscale:
        tier = pool.spec.tier
        return digitalocean.DropletAutoscale(
            f"{name}-{tier.value}-pool",
            name=f"{ctx.prefix}-{tier.value}",
            config=scaling_config(pool.spec),
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
