"""AWS network and compute on the mock runtime: private subnets, no inbound, IMDSv2, encrypted volumes, spot."""

from __future__ import annotations

import pytest

from components.aws.compute import AwsCompute, AwsComputeArgs
from components.aws.network import AwsNetwork, AwsNetworkArgs, subnet_cidrs
from components.context import StackContext
from components.specs import tier_specs
from infra.config import Tier
from tests.conftest import make_config


def build(record_component, environment: str, nat: bool):
    config = make_config(environment)
    ctx = StackContext.from_config(config)
    sizes = {Tier.compute: "t3.large", Tier.gpu: "g4dn.xlarge", Tier.memory: "r5.large"}
    scaling = {t: getattr(config.autoscaling, t.value) for t in Tier}

    def program() -> None:
        network = AwsNetwork(
            "net", AwsNetworkArgs("10.20.0.0/16", config.network.zones, nat, not nat, "us-east-1"), ctx
        )
        AwsCompute(
            "cmp",
            AwsComputeArgs(
                tier_specs(sizes, scaling), [s.id for s in network.private_subnets], network.tier_security_group.id
            ),
            ctx,
        )

    return record_component(program, stack=environment)


@pytest.fixture(scope="module")
def dev(record_component):
    return build(record_component, "dev", nat=False)


@pytest.fixture(scope="module")
def prod(record_component):
    return build(record_component, "prod", nat=True)


def test_subnet_cidrs_are_disjoint_slices_of_the_vpc():
    assert subnet_cidrs("10.20.0.0/16", 4) == ["10.20.0.0/20", "10.20.16.0/20", "10.20.32.0/20", "10.20.48.0/20"]


def test_private_subnets_span_the_profile_zones_without_public_ips(dev, prod):
    for plan, zones in ((dev, 2), (prod, 3)):
        subnets = [r for r in plan.of_type("aws:ec2/subnet:Subnet") if "private" in r.name]
        assert len(subnets) == zones
        assert len({s.inputs["availabilityZone"] for s in subnets}) == zones
        assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in subnets)


def test_dev_has_no_nat_gateway_but_ssm_endpoints_and_prod_has_nat(dev, prod):
    assert dev.of_type("aws:ec2/natGateway:NatGateway") == []
    services = sorted(r.inputs["serviceName"].rsplit(".", 1)[1] for r in dev.of_type("aws:ec2/vpcEndpoint:VpcEndpoint"))
    assert services == ["ec2messages", "s3", "ssm", "ssmmessages"]
    assert len(prod.of_type("aws:ec2/natGateway:NatGateway")) == 3  # one per zone
    assert [r.inputs["serviceName"] for r in prod.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")] == [
        "com.amazonaws.us-east-1.s3"
    ]


def test_no_security_group_accepts_traffic_from_the_internet(dev, prod):
    for plan in (dev, prod):
        for sg in plan.of_type("aws:ec2/securityGroup:SecurityGroup"):
            for rule in sg.inputs.get("ingress", []):
                assert "0.0.0.0/0" not in rule.get("cidrBlocks", []), sg.name
        tiers = plan.named("net-tiers-sg")
        assert "ingress" not in tiers.inputs or tiers.inputs["ingress"] == []


def test_launch_templates_require_imdsv2_with_hop_limit_one(dev):
    templates = dev.of_type("aws:ec2/launchTemplate:LaunchTemplate")
    assert len(templates) == 3
    for lt in templates:
        assert lt.inputs["metadataOptions"]["httpTokens"] == "required"
        assert lt.inputs["metadataOptions"]["httpPutResponseHopLimit"] == 1


def test_launch_templates_encrypt_a_gp3_root_volume_and_give_no_public_ip(dev):
    for lt in dev.of_type("aws:ec2/launchTemplate:LaunchTemplate"):
        (disk,) = lt.inputs["blockDeviceMappings"]
        assert disk["ebs"]["encrypted"] == "true"
        assert disk["ebs"]["volumeType"] == "gp3"
        (nic,) = lt.inputs["networkInterfaces"]
        assert nic["associatePublicIpAddress"] == "false"
        assert lt.inputs["iamInstanceProfile"]["arn"].startswith("arn:aws:iam::")


def test_each_tier_runs_its_configured_instance_type(dev):
    types = {lt.name: lt.inputs["instanceType"] for lt in dev.of_type("aws:ec2/launchTemplate:LaunchTemplate")}
    assert types == {"cmp-compute-lt": "t3.large", "cmp-gpu-lt": "g4dn.xlarge", "cmp-memory-lt": "r5.large"}
    assert "deeplearning" in dev.named("cmp-gpu-lt").inputs["imageId"]


def test_instance_role_grants_only_ssm_core(dev):
    (attachment,) = dev.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert attachment.inputs["policyArn"] == "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"


def test_dev_scales_gpu_to_zero_on_spot_and_prod_runs_two_per_tier(dev, prod):
    gpu_dev = dev.named("cmp-gpu-asg").inputs
    assert (gpu_dev["minSize"], gpu_dev["desiredCapacity"]) == (0, 0)
    distribution = gpu_dev["mixedInstancesPolicy"]["instancesDistribution"]
    assert distribution["onDemandPercentageAboveBaseCapacity"] == 0
    assert distribution["spotAllocationStrategy"] == "price-capacity-optimized"
    for tier in ("compute", "gpu", "memory"):
        group = prod.named(f"cmp-{tier}-asg").inputs
        assert group["minSize"] >= 2
        assert len(group["vpcZoneIdentifiers"]) == 3
    assert "launchTemplate" in prod.named("cmp-compute-asg").inputs  # on-demand in prod


def test_groups_track_cpu_and_refresh_instances_on_template_change(dev):
    policies = [
        p for p in dev.of_type("aws:autoscaling/policy:Policy") if p.inputs["policyType"] != "PredictiveScaling"
    ]
    assert len(policies) == 3
    for policy in policies:
        config = policy.inputs["targetTrackingConfiguration"]
        assert config["predefinedMetricSpecification"]["predefinedMetricType"] == "ASGAverageCPUUtilization"
        assert config["targetValue"] == 60
    for group in dev.of_type("aws:autoscaling/group:Group"):
        assert group.inputs["instanceRefresh"]["strategy"] == "Rolling"
        # Launch before terminate: a tier at its minimum never dips below it (nor trips its capacity alarm).
        preferences = group.inputs["instanceRefresh"]["preferences"]
        assert (preferences["minHealthyPercentage"], preferences["maxHealthyPercentage"]) == (100, 200)
        assert {t["key"] for t in group.inputs["tags"]} >= {"environment", "owner", "cost-center", "project"}
