"""DigitalOcean network: a VPC per region the tiers use, the tier tags, and one cloud firewall.

- A VPC in the stack's region (and one in the GPU region when GPU droplets live elsewhere);
  droplets talk to each other over the VPC interface. Ranges may not overlap within a team, so
  by default DigitalOcean allocates each one (a /20 clear of the team's networks) and the
  firewall reads the allocated ranges back; a pinned range (`vpc_cidr`) is for a stack that
  owns it alone.
- One tag per tier (`qmoi-<token>-<tier>`, derived from the stack: tags are team-wide, so two
  stacks sharing one would select each other's droplets): the firewall and the monitor alerts
  select droplets by it, so a droplet an autoscale pool adds is covered from its first boot.
- The firewall, attached by those tags, denies everything not listed. Inbound: HTTPS, and
  SSH for a bastion or VPN inside the VPC, only from the VPC ranges; no management port is
  reachable from the internet. Outbound: HTTP/HTTPS (packages, APIs, Spaces), DNS and NTP.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_digitalocean as digitalocean

from components.context import StackContext
from components.digitalocean.tags import tier_tag
from infra.config import Tier

ANYWHERE = ["0.0.0.0/0", "::/0"]
OUTBOUND = (("tcp", "80"), ("tcp", "443"), ("tcp", "53"), ("udp", "53"), ("udp", "123"))
INBOUND_FROM_VPC = (("tcp", "443"), ("tcp", "22"))


@dataclass(frozen=True)
class DigitalOceanNetworkArgs:
    vpc_ranges: dict[str, str | None]  # region -> pinned CIDR or None (allocated), one VPC each
    tiers: list[Tier]


class DigitalOceanNetwork(pulumi.ComponentResource):
    vpcs: dict[str, digitalocean.Vpc]
    tier_tags: dict[Tier, digitalocean.Tag]
    firewall: digitalocean.Firewall

    def __init__(
        self, name: str, args: DigitalOceanNetworkArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:digitalocean:Network", name, None, opts)
        self.vpcs = {
            region: digitalocean.Vpc(
                f"{name}-vpc-{region}",
                name=f"{ctx.prefix}-{region}",
                region=region,
                ip_range=cidr,
                description=f"qmoi {ctx.stack_names.stack} tiers in {region}",
                opts=ctx.child(self),
            )
            for region, cidr in args.vpc_ranges.items()
        }
        self.tier_tags = {
            tier: digitalocean.Tag(f"{name}-{tier.value}-tag", name=tier_tag(ctx.prefix, tier), opts=ctx.child(self))
            for tier in args.tiers
        }
        vpc_ranges = [vpc.ip_range for vpc in self.vpcs.values()]  # allocated or pinned, as DigitalOcean reports
        self.firewall = digitalocean.Firewall(
            f"{name}-firewall",
            name=f"{ctx.prefix}-tiers",
            tags=[tag.name for tag in self.tier_tags.values()],
            inbound_rules=[
                digitalocean.FirewallInboundRuleArgs(protocol=protocol, port_range=port, source_addresses=vpc_ranges)
                for protocol, port in INBOUND_FROM_VPC
            ],
            outbound_rules=[
                digitalocean.FirewallOutboundRuleArgs(
                    protocol=protocol, port_range=port, destination_addresses=ANYWHERE
                )
                for protocol, port in OUTBOUND
            ],
            opts=ctx.child(self),
        )
        self.register_outputs({"vpc_ids": {r: v.id for r, v in self.vpcs.items()}, "firewall_id": self.firewall.id})
