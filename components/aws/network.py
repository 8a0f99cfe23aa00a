"""AWS network: a VPC with private subnets across zones, and only the paths the tiers need.

- private subnets (one per zone) for the autoscaling groups, in Availability Zones only: the
  zone lookup filters out opted-in Local Zones (which the API otherwise lists with the AZs,
  and first by name), where NAT gateways, gp3 or the tier instance types may not exist;
- VPC flow logs to the access-log bucket (rejected traffic outside prod, all traffic in prod,
  10-minute aggregation), whose bucket policy the storage component writes with the log
  delivery grant: AWS would otherwise add that grant itself, and the next update, which
  owns the bucket policy, would silently remove it;
- the VPC's default security group adopted with no rules at all, so nothing launched
  without an explicit group gets the default "all from itself, all out";
- an S3 gateway endpoint (free) on every private route table, with a policy limited to this
  account's buckets plus read-only access to the AWS-owned buckets the instances need
  (Amazon Linux 2023 repositories, SSM Agent): the default endpoint policy allows any
  bucket of any account, an exfiltration path that is the only way out where there is no NAT;
- SSM interface endpoints (ssm, ssmmessages, ec2messages) so instances are reachable by
  Session Manager without SSH or internet; on by default only where there is no NAT;
- NAT only when configured (prod): a public subnet, an Elastic IP and a NAT gateway per zone,
  each zone's private subnets egressing through their own (losing one zone leaves the others
  their egress, and no traffic pays cross-zone charges); `nat_per_zone: false` shares one;
- a security group for the tiers with no inbound rule at all and HTTPS egress only: to the
  internet where a NAT exists, otherwise to the VPC's endpoints and S3 (by prefix list),
  the only destinations reachable without one. No plaintext HTTP.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws.policy_documents import AwsAccount, document
from components.context import StackContext
from infra.config import FlowLogs

SSM_SERVICES = ("ssm", "ssmmessages", "ec2messages")
HTTPS = 443
FLOW_LOG_PREFIX = "vpc-flow-logs"
# AWS-owned buckets instances read through the S3 endpoint: the Amazon Linux 2023 package
# repositories and the buckets SSM Agent downloads documents, plugins and patch data from.
AWS_OWNED_BUCKETS = (
    "al2023-repos-{region}-de612dc2",
    "amazon-ssm-{region}",
    "amazon-ssm-packages-{region}",
    "{region}-birdwatcher-prod",
    "aws-ssm-{region}",
    "aws-ssm-distributor-file-{region}",
    "aws-ssm-document-attachments-{region}",
    "patch-baseline-snapshot-{region}",
)


@dataclass(frozen=True)
class AwsNetworkArgs:
    cidr: str
    zones: int
    nat_gateway: bool
    ssm_endpoints: bool
    region: str
    nat_per_zone: bool = True
    # Flow logs go to this bucket (its policy must grant log delivery; pass it as `flow_log_ready`).
    flow_logs: FlowLogs | None = None
    flow_log_bucket_arn: pulumi.Input[str] | None = None
    flow_log_ready: Sequence[pulumi.Resource] = ()
    account: AwsAccount | None = None


def subnet_cidrs(cidr: str, count: int, new_prefix: int = 20) -> list[str]:
    """The first `count` subnets of size /new_prefix in `cidr` (private first, then public)."""
    network = ipaddress.ip_network(cidr)
    return [str(s) for s in list(network.subnets(new_prefix=max(new_prefix, network.prefixlen + 3)))[:count]]


def renamed(opts: pulumi.ResourceOptions, old_name: str, index: int) -> pulumi.ResourceOptions:
    """The first zone's NAT resources had unindexed names (one shared gateway): keep their state."""
    if index:
        return opts
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(aliases=[pulumi.Alias(name=old_name)]))


def flow_log_destination(bucket_arn: pulumi.Input[str]) -> pulumi.Output[str]:
    return pulumi.Output.concat(bucket_arn, f"/{FLOW_LOG_PREFIX}/")


class AwsNetwork(pulumi.ComponentResource):
    vpc: aws.ec2.Vpc
    private_subnets: list[aws.ec2.Subnet]
    tier_security_group: aws.ec2.SecurityGroup
    s3_endpoint: aws.ec2.VpcEndpoint
    nat_gateways: list[aws.ec2.NatGateway]

    def __init__(
        self,
        name: str,
        args: AwsNetworkArgs,
        ctx: StackContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("qmoi:aws:Network", name, None, opts)
        account = args.account or AwsAccount.lookup(self, args.region)
        self.vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags=ctx.tags_with(Name=f"{ctx.prefix}"),
            opts=ctx.child(self),
        )
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg",
            vpc_id=self.vpc.id,
            tags=ctx.tags_with(Name=f"qmoi-{ctx.environment}-default-no-rules"),
            opts=ctx.child(self),
        )
        if args.flow_logs is not None and args.flow_log_bucket_arn is not None:
            self._flow_log(name, args, args.flow_logs, args.flow_log_bucket_arn, ctx)
        zones = aws.get_availability_zones_output(
            state="available",
            filters=[aws.GetAvailabilityZonesFilterArgs(name="opt-in-status", values=["opt-in-not-required"])],
            opts=pulumi.InvokeOutputOptions(parent=self),
        )
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
        self.s3_endpoint = aws.ec2.VpcEndpoint(
            f"{name}-s3-endpoint",
            vpc_id=self.vpc.id,
            service_name=f"com.amazonaws.{args.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[t.id for t in route_tables],
            policy=self._s3_endpoint_policy(account, args.region),
            tags=ctx.tags,
            opts=ctx.child(self),
        )
        self.nat_gateways = []
        if args.nat_gateway:
            self._nat(name, args, cidrs, zones.names, route_tables, ctx)
        self.tier_security_group = aws.ec2.SecurityGroup(
            f"{name}-tiers-sg",
            vpc_id=self.vpc.id,
            description="qmoi tier instances: no inbound; HTTPS out",
            egress=self._tier_egress(args),
            tags=ctx.tags,
            opts=ctx.child(self),
        )
        if args.ssm_endpoints:
            self._ssm_endpoints(name, args.cidr, args.region, ctx)
        self.register_outputs({"vpc_id": self.vpc.id, "private_subnet_ids": [s.id for s in self.private_subnets]})

    def _flow_log(
        self, name: str, args: AwsNetworkArgs, flow_logs: FlowLogs, bucket_arn: pulumi.Input[str], ctx: StackContext
    ) -> aws.ec2.FlowLog:
        return aws.ec2.FlowLog(
            f"{name}-flow-log",
            vpc_id=self.vpc.id,
            traffic_type="ALL" if flow_logs.all_traffic else "REJECT",
            log_destination_type="s3",
            log_destination=flow_log_destination(bucket_arn),
            # S3 delivery aggregates over 60 or 600 seconds only.
            max_aggregation_interval=60 if flow_logs.interval_minutes == 1 else 600,
            tags=ctx.tags,
            opts=ctx.child(self, depends_on=list(args.flow_log_ready)),
        )

    @staticmethod
    def _s3_endpoint_policy(account: AwsAccount, region: str) -> pulumi.Output[str]:
        own = account.id.apply(
            lambda account_id: {
                "Sid": "OwnAccountBuckets",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:ResourceAccount": account_id}},
            }
        )
        aws_owned = account.partition.apply(
            lambda partition: {
                "Sid": "AwsOwnedRepositoriesReadOnly",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": [f"arn:{partition}:s3:::{b.format(region=region)}/*" for b in AWS_OWNED_BUCKETS],
            }
        )
        return document(own, aws_owned)

    def _tier_egress(self, args: AwsNetworkArgs) -> list[aws.ec2.SecurityGroupEgressArgs]:
        def https(
            description: str, cidrs: list[str] | None = None, prefix_lists: list[pulumi.Input[str]] | None = None
        ) -> aws.ec2.SecurityGroupEgressArgs:
            return aws.ec2.SecurityGroupEgressArgs(
                protocol="tcp",
                from_port=HTTPS,
                to_port=HTTPS,
                description=description,
                cidr_blocks=cidrs,
                prefix_list_ids=prefix_lists,
            )

        if args.nat_gateway:
            return [https("HTTPS out through the NAT gateways", cidrs=["0.0.0.0/0"])]
        return [
            https("HTTPS to the VPC's interface endpoints", cidrs=[args.cidr]),
            https("HTTPS to S3 through the gateway endpoint", prefix_lists=[self.s3_endpoint.prefix_list_id]),
        ]

    def _nat(
        self,
        name: str,
        args: AwsNetworkArgs,
        cidrs: list[str],
        zone_names: pulumi.Output[list[str]],
        tables: list[aws.ec2.RouteTable],
        ctx: StackContext,
    ) -> None:
        gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=self.vpc.id, tags=ctx.tags, opts=ctx.child(self))
        public_rt = aws.ec2.RouteTable(
            f"{name}-public-rt",
            vpc_id=self.vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=gateway.id)],
            tags=ctx.tags,
            opts=ctx.child(self),
        )
        for i in range(args.zones if args.nat_per_zone else 1):
            public = aws.ec2.Subnet(
                f"{name}-public-{i}",
                vpc_id=self.vpc.id,
                cidr_block=cidrs[args.zones + i],
                availability_zone=zone_names[i],
                map_public_ip_on_launch=False,
                tags=ctx.tags_with(Name=f"qmoi-{ctx.environment}-public-{i}", tier="public"),
                opts=ctx.child(self),
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-rta-{i}",
                subnet_id=public.id,
                route_table_id=public_rt.id,
                opts=renamed(ctx.child(self), f"{name}-public-rta", i),
            )
            eip = aws.ec2.Eip(
                f"{name}-nat-eip-{i}", domain="vpc", tags=ctx.tags, opts=renamed(ctx.child(self), f"{name}-nat-eip", i)
            )
            self.nat_gateways.append(
                aws.ec2.NatGateway(
                    f"{name}-nat-{i}",
                    allocation_id=eip.id,
                    subnet_id=public.id,
                    connectivity_type="public",
                    tags=ctx.tags_with(Name=f"qmoi-{ctx.environment}-nat-{i}"),
                    opts=renamed(ctx.child(self, depends_on=[gateway]), f"{name}-nat", i),
                )
            )
        for i, table in enumerate(tables):
            aws.ec2.Route(
                f"{name}-private-default-{i}",
                route_table_id=table.id,
                destination_cidr_block="0.0.0.0/0",
                nat_gateway_id=self.nat_gateways[i if args.nat_per_zone else 0].id,
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
                    from_port=HTTPS,
                    to_port=HTTPS,
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
