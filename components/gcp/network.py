"""GCP network: a custom-mode VPC, one regional subnetwork, and only the ingress the tiers need.

- custom-mode VPC (no auto-created subnetworks in every region), regional routing;
- one subnetwork in the stack's region with Private Google Access (instances without
  external IPs still reach Google APIs) and VPC flow logs as the environment says
  (`network.flow_logs`: aggregation interval, sampling, metadata; light outside prod, since
  flow logs are billed by volume);
- firewall rules on the tier network tag only: the Google health-check ranges on the
  health-check port (autohealing) and the IAP TCP-forwarding range on SSH (OS Login
  through IAP, no bastion); nothing from 0.0.0.0/0. All other ingress hits the VPC's
  implied deny; egress stays the implied allow. Only the SSH rule logs its connections
  (security-relevant, rare); the health-check rule would log a probe every 10 s per VM;
- Cloud Router + Cloud NAT only when `network.nat_gateway` is set: without it instances
  have no internet egress (dev), with it they share auto-allocated NAT addresses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.context import StackContext
from infra.config import FlowLogs

# Google's documented source ranges for health checks and IAP TCP forwarding.
HEALTH_CHECK_RANGES = ("35.191.0.0/16", "130.211.0.0/22")
IAP_RANGE = "35.235.240.0/20"
SSH_PORT = 22


@dataclass(frozen=True)
class GcpNetworkArgs:
    cidr: str
    region: str
    nat_gateway: bool
    health_check_port: int
    flow_logs: FlowLogs = field(default_factory=FlowLogs)


def flow_log_config(flow_logs: FlowLogs) -> gcp.compute.SubnetworkLogConfigArgs:
    return gcp.compute.SubnetworkLogConfigArgs(
        aggregation_interval=f"INTERVAL_{flow_logs.interval_minutes}_MIN",
        flow_sampling=flow_logs.sampling,
        metadata="INCLUDE_ALL_METADATA" if flow_logs.metadata else "EXCLUDE_ALL_METADATA",
    )


class GcpNetwork(pulumi.ComponentResource):
    network: gcp.compute.Network
    subnetwork: gcp.compute.Subnetwork
    tier_tag: str
    firewalls: list[gcp.compute.Firewall]

    def __init__(
        self, name: str, args: GcpNetworkArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:gcp:Network", name, None, opts)
        prefix = f"{ctx.prefix}"
        self.tier_tag = f"{prefix}-tier"
        self.network = gcp.compute.Network(
            f"{name}-vpc",
            name=prefix,
            auto_create_subnetworks=False,
            routing_mode="REGIONAL",
            description=f"qmoi {ctx.environment}: custom-mode VPC for the compute tiers",
            opts=ctx.child(self),
        )
        self.subnetwork = gcp.compute.Subnetwork(
            f"{name}-subnet",
            name=f"{prefix}-{args.region}",
            network=self.network.id,
            region=args.region,
            ip_cidr_range=args.cidr,
            private_ip_google_access=True,
            log_config=flow_log_config(args.flow_logs),
            opts=ctx.child(self),
        )
        self.firewalls = [
            self._allow(
                f"{name}-allow-health-checks",
                f"{prefix}-allow-health-checks",
                "Google health checks to the tiers (autohealing)",
                list(HEALTH_CHECK_RANGES),
                args.health_check_port,
                ctx,
                logged=False,
            ),
            self._allow(
                f"{name}-allow-iap-ssh",
                f"{prefix}-allow-iap-ssh",
                "SSH through Identity-Aware Proxy TCP forwarding only",
                [IAP_RANGE],
                SSH_PORT,
                ctx,
            ),
        ]
        if args.nat_gateway:
            router = gcp.compute.Router(
                f"{name}-router",
                name=f"{prefix}-router",
                network=self.network.id,
                region=args.region,
                opts=ctx.child(self),
            )
            gcp.compute.RouterNat(
                f"{name}-nat",
                name=f"{prefix}-nat",
                router=router.name,
                region=args.region,
                nat_ip_allocate_option="AUTO_ONLY",
                source_subnetwork_ip_ranges_to_nat="LIST_OF_SUBNETWORKS",
                subnetworks=[
                    gcp.compute.RouterNatSubnetworkArgs(
                        name=self.subnetwork.id, source_ip_ranges_to_nats=["ALL_IP_RANGES"]
                    )
                ],
                log_config=gcp.compute.RouterNatLogConfigArgs(enable=True, filter="ERRORS_ONLY"),
                opts=ctx.child(self),
            )
        self.register_outputs({"network": self.network.self_link, "subnetwork": self.subnetwork.self_link})

    def _allow(
        self,
        resource: str,
        name: str,
        description: str,
        sources: list[str],
        port: int,
        ctx: StackContext,
        *,
        logged: bool = True,
    ) -> gcp.compute.Firewall:
        return gcp.compute.Firewall(
            resource,
            name=name,
            network=self.network.id,
            description=description,
            direction="INGRESS",
            priority=1000,
            source_ranges=sources,
            target_tags=[self.tier_tag],
            allows=[gcp.compute.FirewallAllowArgs(protocol="tcp", ports=[str(port)])],
            log_config=gcp.compute.FirewallLogConfigArgs(metadata="EXCLUDE_ALL_METADATA") if logged else None,
            opts=ctx.child(self),
        )
