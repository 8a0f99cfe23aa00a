"""DigitalOcean network and compute: VPCs, a tag-attached firewall without internet management
ports, and one droplet autoscale pool per tier sized by the environment's profile."""

from __future__ import annotations

import pytest

from infra.config import Tier
from infra.plan.mock_outputs import MockContext
from infra.plan.mock_outputs.digitalocean import _vpc

FIREWALL = "digitalocean:index/firewall:Firewall"
POOL = "digitalocean:index/dropletAutoscale:DropletAutoscale"
VPC = "digitalocean:index/vpc:Vpc"
INTERNET = {"0.0.0.0/0", "::/0"}
TIERS = [t.value for t in Tier]


def pool(plan, tier: str) -> dict:
    return plan.named(f"do-compute-{tier}-pool").inputs


def test_a_vpc_in_the_region_and_one_in_the_gpu_region_with_ranges_digitalocean_allocates(dev_do):
    vpcs = {v.inputs["region"]: v.inputs for v in dev_do.of_type(VPC)}
    assert set(vpcs) == {"nyc3", "tor1"}
    assert not any("ipRange" in v for v in vpcs.values())
    assert {v["name"] for v in vpcs.values()} == {"qmoi-dev-nyc3", "qmoi-dev-tor1"}


def test_a_pinned_vpc_range_is_declared_as_given(build_do):
    plan = build_do(vpc_cidr="10.60.0.0/20", gpu_vpc_cidr="10.60.16.0/20")
    assert {v.inputs["region"]: v.inputs["ipRange"] for v in plan.of_type(VPC)} == {
        "nyc3": "10.60.0.0/20",
        "tor1": "10.60.16.0/20",
    }


def test_one_vpc_when_the_gpu_tier_runs_in_the_main_region(build_do):
    plan = build_do("prod", region="tor1", gpu_region=None)
    assert [v.inputs["region"] for v in plan.of_type(VPC)] == ["tor1"]
    assert pool(plan, "gpu")["dropletTemplate"]["region"] == "tor1"


def test_firewall_is_attached_to_every_tier_tag(dev_do):
    (firewall,) = dev_do.of_type(FIREWALL)
    assert sorted(firewall.inputs["tags"]) == sorted(f"qmoi-dev-{t}" for t in TIERS)


def test_firewall_opens_no_port_to_the_internet_and_nothing_but_https_and_ssh_inside_the_vpc(dev_do):
    (firewall,) = dev_do.of_type(FIREWALL)
    inbound = firewall.inputs["inboundRules"]
    assert {(r["protocol"], r["portRange"]) for r in inbound} == {("tcp", "443"), ("tcp", "22")}
    allocated = {_vpc(v.name, v.inputs, MockContext())["ipRange"] for v in dev_do.of_type(VPC)}
    assert len(allocated) == 2
    for rule in inbound:
        assert set(rule["sourceAddresses"]) == allocated  # the ranges DigitalOcean allocated, read back
        assert not INTERNET & set(rule["sourceAddresses"])
        assert "sourceTags" not in rule and "sourceLoadBalancerUids" not in rule


def test_firewall_lets_tiers_out_only_for_http_https_dns_and_ntp(dev_do):
    (firewall,) = dev_do.of_type(FIREWALL)
    outbound = {(r["protocol"], r["portRange"]) for r in firewall.inputs["outboundRules"]}
    assert outbound == {("tcp", "80"), ("tcp", "443"), ("tcp", "53"), ("udp", "53"), ("udp", "123")}


def test_one_autoscale_pool_per_tier_with_the_configured_sizes_and_images(prod_do):
    assert len(prod_do.of_type(POOL)) == 3
    templates = {t: pool(prod_do, t)["dropletTemplate"] for t in TIERS}
    assert {t: d["size"] for t, d in templates.items()} == {
        "compute": "s-4vcpu-8gb",
        "memory": "s-4vcpu-8gb",
        "gpu": "gpu-h100x1-80gb",
    }
    assert templates["gpu"]["image"] == "gpu-h100x1-base"
    assert templates["compute"]["image"] == templates["memory"]["image"] == "ubuntu-24-04-x64"
    assert templates["gpu"]["region"] == "tor1" and templates["compute"]["region"] == "nyc3"


def test_pools_join_the_vpc_of_their_region_with_ssh_keys_and_the_metrics_agent(prod_do):
    vpc_ids = {v.inputs["region"]: v.id for v in prod_do.of_type(VPC)}
    for tier in TIERS:
        template = pool(prod_do, tier)["dropletTemplate"]
        assert template["vpcUuid"] == vpc_ids[template["region"]]
        assert template["sshKeys"] == ["3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"]
        assert "repos.insights.digitalocean.com/apt/do-agent" in template["userData"]


def test_droplets_carry_the_tier_tag_and_the_required_tags(prod_do):
    for tier in TIERS:
        tags = pool(prod_do, tier)["dropletTemplate"]["tags"]
        assert f"qmoi-prod-{tier}" in tags
        assert {"environment:prod", "project:qmoi-cloud", "owner:platform-team", "cost-center:cc-1042"} <= set(tags)


def test_pool_limits_follow_the_environment_profile_and_tiers_at_zero_are_parked(dev_do, prod_do):
    def limits(plan) -> dict:
        return {
            r.name.split("-")[-2]: (r.inputs["config"].get("minInstances"), r.inputs["config"].get("maxInstances"))
            for r in plan.of_type(POOL)
        }

    assert limits(dev_do) == {"compute": (1, 2)}  # gpu and memory have minimum 0 in dev: no pool
    assert limits(prod_do) == {"compute": (2, 8), "gpu": (None, None), "memory": (2, 4)}
    assert pool(prod_do, "gpu")["config"] == {"targetNumberInstances": 2}  # GPU pools keep a fixed size


def test_cpu_pools_target_cpu_and_memory_utilization_as_fractions(prod_do):
    for tier in ("compute", "memory"):
        config = pool(prod_do, tier)["config"]
        assert config["targetCpuUtilization"] == pytest.approx(0.6)
        assert config["targetMemoryUtilization"] == pytest.approx(0.75)
        assert config["cooldownMinutes"] == 5
