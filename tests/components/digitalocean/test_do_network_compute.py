"""DigitalOcean network and compute: VPCs, a tag-attached firewall without internet management
ports, and one droplet autoscale pool per tier sized by the environment's profile."""

from __future__ import annotations

import pytest

from infra.config import Tier

FIREWALL = "digitalocean:index/firewall:Firewall"
POOL = "digitalocean:index/dropletAutoscale:DropletAutoscale"
VPC = "digitalocean:index/vpc:Vpc"
INTERNET = {"0.0.0.0/0", "::/0"}
TIERS = [t.value for t in Tier]


def pool(plan, tier: str) -> dict:
    return plan.named(f"do-compute-{tier}-pool").inputs


def test_a_vpc_in_the_region_and_one_in_the_gpu_region(dev_do):
    vpcs = {v.inputs["region"]: v.inputs["ipRange"] for v in dev_do.of_type(VPC)}
    assert vpcs == {"nyc3": "10.50.0.0/20", "tor1": "10.50.16.0/20"}


def test_one_vpc_when_the_gpu_tier_runs_in_the_main_region(build_do):
    plan = build_do(region="tor1", gpu_region=None)
    assert [v.inputs["region"] for v in plan.of_type(VPC)] == ["tor1"]
    assert pool(plan, "gpu")["dropletTemplate"]["region"] == "tor1"


def test_firewall_is_attached_to_every_tier_tag(dev_do):
    (firewall,) = dev_do.of_type(FIREWALL)
    assert sorted(firewall.inputs["tags"]) == sorted(f"qmoi-dev-{t}" for t in TIERS)


def test_firewall_opens_no_port_to_the_internet_and_nothing_but_https_and_ssh_inside_the_vpc(dev_do):
    (firewall,) = dev_do.of_type(FIREWALL)
    inbound = firewall.inputs["inboundRules"]
    assert {(r["protocol"], r["portRange"]) for r in inbound} == {("tcp", "443"), ("tcp", "22")}
    for rule in inbound:
        assert set(rule["sourceAddresses"]) == {"10.50.0.0/20", "10.50.16.0/20"}
        assert not INTERNET & set(rule["sourceAddresses"])
        assert "sourceTags" not in rule and "sourceLoadBalancerUids" not in rule


def test_firewall_lets_tiers_out_only_for_http_https_dns_and_ntp(dev_do):
    (firewall,) = dev_do.of_type(FIREWALL)
    outbound = {(r["protocol"], r["portRange"]) for r in firewall.inputs["outboundRules"]}
    assert outbound == {("tcp", "80"), ("tcp", "443"), ("tcp", "53"), ("udp", "53"), ("udp", "123")}


def test_one_autoscale_pool_per_tier_with_the_configured_sizes_and_images(dev_do):
    assert len(dev_do.of_type(POOL)) == 3
    templates = {t: pool(dev_do, t)["dropletTemplate"] for t in TIERS}
    assert {t: d["size"] for t, d in templates.items()} == {
        "compute": "s-4vcpu-8gb",
        "memory": "s-4vcpu-8gb",
        "gpu": "gpu-h100x1-80gb",
    }
    assert templates["gpu"]["image"] == "gpu-h100x1-base"
    assert templates["compute"]["image"] == templates["memory"]["image"] == "ubuntu-24-04-x64"
    assert templates["gpu"]["region"] == "tor1" and templates["compute"]["region"] == "nyc3"


def test_pools_join_the_vpc_of_their_region_with_ssh_keys_and_the_metrics_agent(dev_do):
    vpc_ids = {v.inputs["region"]: v.id for v in dev_do.of_type(VPC)}
    for tier in TIERS:
        template = pool(dev_do, tier)["dropletTemplate"]
        assert template["vpcUuid"] == vpc_ids[template["region"]]
        assert template["sshKeys"] == ["3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"]
        assert "repos.insights.digitalocean.com" in template["userData"]


def test_droplets_carry_the_tier_tag_and_the_required_tags(dev_do):
    for tier in TIERS:
        tags = pool(dev_do, tier)["dropletTemplate"]["tags"]
        assert f"qmoi-dev-{tier}" in tags
        assert {"environment:dev", "project:qmoi-cloud", "owner:platform-team", "cost-center:cc-1042"} <= set(tags)


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ("dev", {"compute": (1, 2), "gpu": (0, 1), "memory": (0, 1)}),
        ("prod", {"compute": (2, 8), "gpu": (2, 4), "memory": (2, 4)}),
    ],
)
def test_pool_limits_follow_the_environment_profile(environment, expected, dev_do, prod_do):
    plan = {"dev": dev_do, "prod": prod_do}[environment]
    limits = {t: (pool(plan, t)["config"]["minInstances"], pool(plan, t)["config"]["maxInstances"]) for t in TIERS}
    assert limits == expected


def test_pools_target_cpu_and_memory_utilization_as_fractions(dev_do):
    for tier in TIERS:
        config = pool(dev_do, tier)["config"]
        assert config["targetCpuUtilization"] == pytest.approx(0.6)
        assert config["targetMemoryUtilization"] == pytest.approx(0.75)
    assert pool(dev_do, "gpu")["config"]["cooldownMinutes"] == 10
