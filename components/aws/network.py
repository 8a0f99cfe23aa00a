"""AWS network: a VPC with private subnets across zones, and only the paths the tiers need.

- private subnets (one per zone) for the autoscaling groups; instances get no public IP;
- an S3 gateway endpoint (free) on every private route table;
- SSM interface endpoints (ssm, ssmmessages, ec2messages) so instances are reachable by
  Session Manager without SSH or internet; on by default only where there is no NAT;
- a NAT gateway (with a public subnet and an internet gateway) only when configured: it
  costs about as much as a small instance, so dev goes without;
- a security group for the tiers with no inbound rule at all, and HTTPS/HTTP egress.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import StackContext

SSM_SERVICES = ("ssm", "ssmmessages", "ec2messages")


@dataclass(frozen=True)
class AwsNetworkArgs:
    cidr: str
    zones: int
    nat_gateway: bool
    ssm_endpoints: bool
    region: str


def subnet_cidrs(cidr: str, count: int, new_prefix: int = 20) -> list[str]:
    """The first `count` subnets of size /new_prefix in `cidr` (private first, then public)."""
    network = ipaddress.ip_network(cidr)
    return [str(s) for s in list(network.subnets(new_prefix=max(new_prefix, network.prefixlen + 3)))[:count]]


class AwsNetwork(pulumi.ComponentResource):
    vpc: aws.ec2.Vpc
    private_subnets: list[aws.ec2.Subnet]
    tier_security_group: aws.ec2.SecurityGroup

    def __init__(
        self,
        name: str,
        args: AwsNetworkArgs,
        ctx: StackContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("qmoi:aws:Network", name, None, opts)
        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags=ctx.tags_with(Name=f"{ctx.prefix}"),
            opts=ctx.child(self),
        )
        zones = aws.get_availability_zones_output(state="available", opts=pulumi.InvokeOutputOptions(parent=self))
        cidrs = subnet_cidrs(args.cidr, args.zones * 2)
        self.private_subnets = []
        route_tables = []
        for i in range(args.zones):
            subnet = aws.ec2.Subnet(
                f"{name}-private-{i}",
                vpc_id=self.vpc.id,
                cidr_block=cidrs[i],
                availability_zone=zones.names[i],
                map_public_ip_on_launch=False,
                tags=ctx.tags_with(Name=f"{ctx.prefix}-private-{i}", tier="private"),
                opts=ctx.child(self),
            )
            table = aws.ec2.RouteTable(
                f"{name}-private-rt-{i}", vpc_id=self.vpc.id, tags=ctx.tags, opts=ctx.child(self)
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-rta-{i}", subnet_id=subnet.id, route_table_id=table.id, opts=ctx.child(self)
            )
            self.private_subnets.append(subnet)
            route_tables.append(table)
        aws.ec2.VpcEndpoint(
            f"{name}-s3-endpoint",
            vpc_id=self.vpc.id,
            service_name=f"com.amazonaws.{args.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[t.id for t in route_tables],
            tags=ctx.tags,
            opts=ctx.child(self),
        )
        if args.nat_gateway:
            self._nat(name, cidrs[args.zones], zones.names[0], route_tables, ctx)
        self.tier_security_group = aws.ec2.SecurityGroup(
            f"{name}-tiers-sg",
            vpc_id=self.vpc.id,
            description="qmoi tier instances: no inbound; HTTPS/HTTP out",
            egress=[
                aws.ec2.SecurityGroupEgressArgs(
                    protocol="tcp", from_port=p, to_port=p, cidr_blocks=["0.0.0.0/0"], description=f"outbound tcp/{p}"
                )
                for p in (443, 80)
            ],
            tags=ctx.tags,
            opts=ctx.child(self),
        )
        if args.ssm_endpoints:
            self._ssm_endpoints(name, args.cidr, args.region, ctx)
        self.register_outputs({"vpc_id": self.vpc.id, "private_subnet_ids": [s.id for s in self.private_subnets]})

    def _nat(
        self, name: str, cidr: str, zone: pulumi.Input[str], tables: list[aws.ec2.RouteTable], ctx: StackContext
    ) -> None:
        gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=self.vpc.id, tags=ctx.tags, opts=ctx.child(self))
        public = aws.ec2.Subnet(
            f"{name}-public-0",
            vpc_id=self.vpc.id,
            cidr_block=cidr,
            availability_zone=zone,
            map_public_ip_on_launch=False,
            tags=ctx.tags_with(tier="public"),
            opts=ctx.child(self),
        )
        public_rt = aws.ec2.RouteTable(
            f"{name}-public-rt",
            vpc_id=self.vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=gateway.id)],
            tags=ctx.tags,
            opts=ctx.child(self),
        )
        aws.ec2.RouteTableAssociation(
            f"{name}-public-rta", subnet_id=public.id, route_table_id=public_rt.id, opts=ctx.child(self)
        )
        eip = aws.ec2.Eip(f"{name}-nat-eip", domain="vpc", tags=ctx.tags, opts=ctx.child(self))
        nat = aws.ec2.NatGateway(
            f"{name}-nat",
            allocation_id=eip.id,
            subnet_id=public.id,
            tags=ctx.tags,
            opts=ctx.child(self, depends_on=[gateway]),
        )
        for i, table in enumerate(tables):
            aws.ec2.Route(
                f"{name}-private-default-{i}",
                route_table_id=table.id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=nat.id,
                opts=ctx.child(self),
            )

    def _ssm_endpoints(self, name: str, cidr: str, region: str, ctx: StackContext) -> None:
        endpoint_sg = aws.ec2.SecurityGroup(
            f"{name}-endpoints-sg",
            vpc_id=self.vpc.id,
            description="VPC interface endpoints: HTTPS from the VPC",
            ingress=[
                aws.ec2.SecurityGroupIngressArgs(
                    protocol="tcp",
                    from_port=443,
                    to_port=443,
                    cidr_blocks=[cidr],
                    description="HTTPS from inside the VPC",
                )
            ],
            tags=ctx.tags,
            opts=ctx.child(self),
        )
        for service in SSM_SERVICES:
            aws.ec2.VpcEndpoint(
                f"{name}-{service}-endpoint",
                vpc_id=self.vpc.id,
                service_name=f"com.amazonaws.{region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=[s.id for s in self.private_subnets],
                security_group_ids=[endpoint_sg.id],
                tags=ctx.tags,
                opts=ctx.child(self),
            )
