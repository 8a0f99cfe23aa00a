"""Azure network: a virtual network with a subnet for the scale sets and one for functions.

- `tiers` subnet: the scale sets' NICs (no public IPs); service endpoint Microsoft.Storage so
  the storage firewall (default Deny) can admit it by subnet;
- `functions` subnet: delegated to Microsoft.App/environments, which Flex Consumption apps
  need for VNet integration; the same storage service endpoint;
- a network security group on both subnets: explicit Deny of SSH/RDP from the Internet
  service tag (management goes through Bastion or `az ssh`, never an open port) and no
  inbound allow rule at all beyond Azure's defaults (VNet and load balancer);
- `defaultOutboundAccess` off (private subnets), and a NAT gateway with a static public IP on
  both subnets for egress (packages, drivers, model pulls, other clouds): Flexible scale sets get
  no default outbound access at all, so without it the tiers are offline. `nat_gateway: false`
  (`azure.network.nat_gateway`) is for offline images only.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pulumi
import pulumi_azure_native.network as network

from components.context import StackContext

MANAGEMENT_PORTS = ("22", "3389")
STORAGE_ENDPOINT = "Microsoft.Storage"


@dataclass(frozen=True)
class AzureNetworkArgs:
    resource_group_name: pulumi.Input[str]
    location: str
    cidr: str
    nat_gateway: bool


def subnet_prefixes(cidr: str, names: tuple[str, ...], prefix: int = 22) -> dict[str, str]:
    """Consecutive /prefix subnets of `cidr`, one per name (never larger than the network allows)."""
    net = ipaddress.ip_network(cidr)
    return dict(zip(names, (str(s) for s in net.subnets(new_prefix=max(prefix, net.prefixlen + 2))), strict=False))


class AzureNetwork(pulumi.ComponentResource):
    vnet: network.VirtualNetwork
    tiers_subnet: network.Subnet
    functions_subnet: network.Subnet
    security_group: network.NetworkSecurityGroup

    def __init__(
        self, name: str, args: AzureNetworkArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:azure:Network", name, None, opts)
        rg = args.resource_group_name
        prefixes = subnet_prefixes(args.cidr, ("tiers", "functions"))
        self.vnet = network.VirtualNetwork(
            f"{name}-vnet",
            virtual_network_name=f"{ctx.prefix}-vnet",
            resource_group_name=rg,
            location=args.location,
            address_space=network.AddressSpaceArgs(address_prefixes=[args.cidr]),
            tags=ctx.tags,
            opts=ctx.child(self, ignore_changes=["subnets"]),
        )
        self.security_group = network.NetworkSecurityGroup(
            f"{name}-nsg",
            network_security_group_name=f"{ctx.prefix}-tiers-nsg",
            resource_group_name=rg,
            location=args.location,
            security_rules=[
                network.SecurityRuleArgs(
                    name=f"deny-internet-{port}",
                    description=f"No management access to tcp/{port} from the internet",
                    priority=100 + i,
                    direction="Inbound",
                    access="Deny",
                    protocol="Tcp",
                    source_address_prefix="Internet",
                    source_port_range="*",
                    destination_address_prefix="*",
                    destination_port_range=port,
                )
                for i, port in enumerate(MANAGEMENT_PORTS)
            ],
            tags=ctx.tags,
            opts=ctx.child(self),
        )
        nat = self._nat(name, args, ctx) if args.nat_gateway else None
        self.tiers_subnet = self._subnet(name, "tiers", prefixes["tiers"], rg, nat, ctx)
        self.functions_subnet = self._subnet(
            name,
            "functions",
            prefixes["functions"],
            rg,
            nat,
            ctx,
            delegations=[network.DelegationArgs(name="flex-consumption", service_name="Microsoft.App/environments")],
            depends_on=[self.tiers_subnet],  # ARM rejects parallel subnet writes on one VNet
        )
        self.register_outputs(
            {
                "vnet_id": self.vnet.id,
                "tiers_subnet_id": self.tiers_subnet.id,
                "functions_subnet_id": self.functions_subnet.id,
            }
        )

    def _subnet(
        self,
        name: str,
        role: str,
        prefix: str,
        rg: pulumi.Input[str],
        nat: network.NatGateway | None,
        ctx: StackContext,
        delegations: list[network.DelegationArgs] | None = None,
        depends_on: list[pulumi.Resource] | None = None,
    ) -> network.Subnet:
        return network.Subnet(
            f"{name}-{role}",
            subnet_name=role,
            virtual_network_name=self.vnet.name,
            resource_group_name=rg,
            address_prefix=prefix,
            default_outbound_access=False,
            network_security_group=network.NetworkSecurityGroupArgs(id=self.security_group.id),
            nat_gateway=network.SubResourceArgs(id=nat.id) if nat else None,
            service_endpoints=[network.ServiceEndpointPropertiesFormatArgs(service=STORAGE_ENDPOINT)],
            delegations=delegations,
            opts=ctx.child(self, depends_on=depends_on or []),
        )

    def _nat(self, name: str, args: AzureNetworkArgs, ctx: StackContext) -> network.NatGateway:
        ip = network.PublicIPAddress(
            f"{name}-nat-ip",
            public_ip_address_name=f"{ctx.prefix}-nat-ip",
            resource_group_name=args.resource_group_name,
            location=args.location,
            sku=network.PublicIPAddressSkuArgs(name="Standard", tier="Regional"),
            public_ip_allocation_method="Static",
            tags=ctx.tags,
            opts=ctx.child(self),
        )
        return network.NatGateway(
            f"{name}-nat",
            nat_gateway_name=f"{ctx.prefix}-nat",
            resource_group_name=args.resource_group_name,
            location=args.location,
            sku=network.NatGatewaySkuArgs(name="Standard"),
            public_ip_addresses=[network.SubResourceArgs(id=ip.id)],
            tags=ctx.tags,
            opts=ctx.child(self),
        )
