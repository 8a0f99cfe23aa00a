"""Cloudflare defects of the deploy-contracts review (issue 13), on the shipped stacks: each failed before its fix."""

from __future__ import annotations

import pytest

from components.cloudflare.platform import worker_routes
from components.specs import function_plans
from infra.config import Cloudflare, FunctionDefaults
from tests.conftest import make_config

SINGLETONS = (
    "cloudflare:index/zoneSetting:ZoneSetting",
    "cloudflare:index/ruleset:Ruleset",
    "cloudflare:index/tieredCache:TieredCache",
    "cloudflare:index/argoTieredCaching:ArgoTieredCaching",
)
ROUTE = "cloudflare:index/workersRoute:WorkersRoute"


@pytest.mark.parametrize("stack", ["dev", "staging"])
def test_only_the_zone_owner_declares_zone_wide_settings(stack_plan, stack):
    plan = stack_plan(stack)
    assert plan.config.cloudflare.zone_settings_owner == "prod"
    assert not [r.name for t in SINGLETONS for r in plan.of_type(t)]


def test_the_zone_owner_declares_each_zone_singleton_once_per_zone(prod_plan):
    for token in SINGLETONS:
        zones = [r.inputs["zoneId"] for r in prod_plan.of_type(token)]
        keys = [
            (r.inputs["zoneId"], r.inputs.get("settingId"), r.inputs.get("phase")) for r in prod_plan.of_type(token)
        ]
        assert zones and len(keys) == len(set(keys)), token


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_every_proxied_hostname_runs_the_edge_worker(stack_plan, stack):
    plan = stack_plan(stack)
    patterns = {(r.inputs["zoneId"], r.inputs["pattern"]) for r in plan.of_type(ROUTE)}
    proxied = [
        r
        for t in ("cloudflare:index/dnsRecord:DnsRecord", "cloudflare:index/loadBalancer:LoadBalancer")
        for r in plan.of_type(t)
        if r.inputs.get("proxied")
    ]
    assert len(proxied) == 3  # www, api and the load balancer hostname
    for record in proxied:
        assert (record.inputs["zoneId"], f"{record.inputs['name']}/*") in patterns, record.inputs["name"]
    assert len(patterns) == len(plan.of_type(ROUTE))  # one route per pattern and zone


def test_only_the_edge_worker_gets_the_catch_all_routes():
    cf = Cloudflare.model_validate(
        {
            "enabled": True,
            "zones": [{"name": "qmoi.ai", "zone_id": "1" * 32, "hostnames": ["www-dev.qmoi.ai"]}],
            "workers": {"edge_router": True, "health_monitoring": {"routes": ["qmoi.ai/health/*"]}},
            "edge_worker": "edge_router",
        }
    )
    routes = worker_routes(cf, function_plans(cf.workers, FunctionDefaults()), "dev")
    assert [r.pattern for r in routes["edge_router"]] == ["qmoi.ai/edge-router/*", "www-dev.qmoi.ai/*"]
    assert [r.pattern for r in routes["health_monitoring"]] == ["qmoi.ai/health/*"]


def test_an_edge_worker_that_is_not_an_enabled_worker_is_a_config_error():
    from infra.config import ConfigError

    with pytest.raises(ConfigError, match=r"cloudflare\.edge_worker: 'nope' is not an enabled worker"):
        make_config(
            "dev",
            cloudflare={"enabled": True, "zones": [{"name": "qmoi.ai", "zone_id": "1" * 32}], "edge_worker": "nope"},
        )


def test_records_on_a_free_zone_carry_no_tags(dev_plan):
    records = dev_plan.of_type("cloudflare:index/dnsRecord:DnsRecord")
    assert records and not [r.name for r in records if r.inputs.get("tags")]


def test_each_load_balancer_pool_probes_its_own_origins_health_path(dev_plan):
    monitors = {m.id: m.inputs for m in dev_plan.of_type("cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor")}
    pools = {
        p.inputs["origins"][0]["name"]: p.inputs
        for p in dev_plan.of_type("cloudflare:index/loadBalancerPool:LoadBalancerPool")
    }
    paths = {provider: monitors[pool["monitor"]]["path"] for provider, pool in pools.items()}
    assert paths["azure"] == "/healthz.txt" and paths["digitalocean"] == "/healthz.txt"
    assert len({pool["monitor"] for pool in pools.values()}) == len(pools)  # one monitor per pool
    for pool in pools.values():
        origin = pool["origins"][0]
        assert monitors[pool["monitor"]]["header"] == {"Host": [origin["address"]]}
