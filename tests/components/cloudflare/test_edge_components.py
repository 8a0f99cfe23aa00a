"""Cloudflare cdn, dns, load balancing and functions on the mock runtime, with fake origins."""

from __future__ import annotations

import json

import pulumi
import pytest

from components.cloudflare.cdn import CloudflareCdn, CloudflareCdnArgs
from components.cloudflare.dns import CloudflareDns, CloudflareDnsArgs
from components.cloudflare.functions import CloudflareFunctions, CloudflareFunctionsArgs, WorkerRoute
from components.cloudflare.load_balancing import CloudflareLoadBalancing, CloudflareLoadBalancingArgs
from components.context import StackContext
from components.specs import function_plans
from infra.config import CloudflareZone, FunctionSpec, Provider
from tests.conftest import make_config

ACCOUNT = "a" * 32
ZONES = [
    CloudflareZone(name="qmoi.ai", zone_id="1" * 32, hostnames=["www.qmoi.ai"]),
    CloudflareZone(name="qmoi.cloud", zone_id="2" * 32),
]
FAKE_ORIGINS = {
    Provider.azure: "qmoi-fd.azurefd.net",
    Provider.aws: "d111111abcdef8.cloudfront.net",
    Provider.gcp: "media.qmoi.ai",
}
SECRET = "s3cr3t-token-value"


@pytest.fixture(scope="module")
def edge(record_component):
    config = make_config("dev")
    ctx = StackContext.from_config(config)
    plans = function_plans({"edge_router": FunctionSpec()}, config.functions)

    def program() -> None:
        origins = {p: pulumi.Output.from_input(o) for p, o in FAKE_ORIGINS.items()}
        CloudflareCdn("cdn", CloudflareCdnArgs(ZONES), ctx)
        lb = CloudflareLoadBalancing(
            "lb",
            CloudflareLoadBalancingArgs(
                account_id=ACCOUNT,
                zone_id=ZONES[0].zone_id,
                hostname="app.qmoi.ai",
                origins=origins,
                steering="geo",
                region_pools={"WEU": [Provider.azure, Provider.gcp], "ENAM": [Provider.aws]},
                health_path="/healthz",
                health_paths={Provider.azure: "/healthz.txt"},
            ),
            ctx,
        )
        CloudflareDns("dns", CloudflareDnsArgs(ZONES, lb.load_balancer.name, paid_plan=True), ctx)
        CloudflareFunctions(
            "fn",
            CloudflareFunctionsArgs(
                account_id=ACCOUNT,
                functions=plans,
                routes={"edge_router": [WorkerRoute("app.qmoi.ai/*", ZONES[0].zone_id)]},
                origins=json.dumps({p.value: o for p, o in FAKE_ORIGINS.items()}),
                secrets={"edge_router": {"ORIGIN_TOKEN": pulumi.Output.secret(SECRET)}},
            ),
            ctx,
        )

    return record_component(program)


def setting(plan, zone: str, setting_id: str):
    return plan.named(f"cdn-{zone.replace('.', '-')}-{setting_id.replace('_', '-')}").inputs["value"]


@pytest.mark.parametrize("zone", ["qmoi.ai", "qmoi.cloud"])
def test_every_zone_forces_https_with_tls_1_2_minimum_and_tls_1_3(edge, zone):
    assert setting(edge, zone, "always_use_https") == "on"
    assert setting(edge, zone, "min_tls_version") == "1.2"
    assert setting(edge, zone, "tls_1_3") == "on"
    assert setting(edge, zone, "automatic_https_rewrites") == "on"
    assert setting(edge, zone, "ssl") == "strict"
    assert setting(edge, zone, "brotli") == "on"


def test_every_zone_sends_hsts_for_a_year_including_subdomains(edge):
    for zone in ("qmoi.ai", "qmoi.cloud"):
        hsts = setting(edge, zone, "security_header")["strict_transport_security"]
        assert hsts["enabled"] is True and hsts["include_subdomains"] is True
        assert hsts["max_age"] >= 31_536_000


def test_cache_rules_cache_static_assets_and_never_the_api(edge):
    rulesets = edge.of_type("cloudflare:index/ruleset:Ruleset")
    assert {r.inputs["zoneId"] for r in rulesets} == {"1" * 32, "2" * 32}
    ruleset = rulesets[0]
    assert (ruleset.inputs["phase"], ruleset.inputs["kind"]) == ("http_request_cache_settings", "zone")
    static, api = ruleset.inputs["rules"]
    assert '"css"' in static["expression"] and '"woff2"' in static["expression"]
    assert static["actionParameters"]["cache"] is True
    assert static["actionParameters"]["edgeTtl"]["mode"] == "override_origin"
    assert "/api/" in api["expression"] and api["actionParameters"]["cache"] is False


def test_tiered_caching_is_on_in_every_zone(edge):
    for token in ("cloudflare:index/tieredCache:TieredCache", "cloudflare:index/argoTieredCaching:ArgoTieredCaching"):
        assert [r.inputs["value"] for r in edge.of_type(token)] == ["on", "on"]


def test_one_pool_per_origin_with_its_address_and_host_header(edge):
    pools = {r.name: r.inputs for r in edge.of_type("cloudflare:index/loadBalancerPool:LoadBalancerPool")}
    assert set(pools) == {f"lb-{p.value}" for p in FAKE_ORIGINS}
    for provider, origin in FAKE_ORIGINS.items():
        (entry,) = pools[f"lb-{provider.value}"]["origins"]
        assert entry["address"] == origin
        assert entry["header"] == {"hosts": [origin]}
        assert entry["enabled"] is True


def test_each_pool_has_its_own_monitor_on_its_origins_health_path_over_verified_https(edge):
    monitors = {m.name: m for m in edge.of_type("cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor")}
    assert len(monitors) == len(FAKE_ORIGINS)
    for provider, origin in FAKE_ORIGINS.items():
        monitor = monitors[f"lb-{provider.value}-monitor"].inputs
        assert monitor["type"] == "https" and monitor["port"] == 443
        assert monitor["allowInsecure"] is False and monitor["expectedCodes"] == "2xx"
        assert monitor["path"] == ("/healthz.txt" if provider is Provider.azure else "/healthz")
        assert monitor["header"] == {"Host": [origin]}
        pool = edge.named(f"lb-{provider.value}").inputs
        assert pool["monitor"] == monitors[f"lb-{provider.value}-monitor"].id


def test_load_balancer_fails_over_in_order_and_steers_by_region(edge):
    lb = edge.named("lb-lb").inputs
    pool_ids = {p.value: edge.named(f"lb-{p.value}").id for p in FAKE_ORIGINS}
    assert lb["defaultPools"] == [pool_ids["azure"], pool_ids["aws"], pool_ids["gcp"]]
    assert lb["fallbackPool"] == pool_ids["gcp"]
    assert lb["steeringPolicy"] == "geo"
    assert lb["regionPools"] == {"WEU": [pool_ids["azure"], pool_ids["gcp"]], "ENAM": [pool_ids["aws"]]}
    assert lb["proxied"] is True and lb["name"] == "app.qmoi.ai"


def test_configured_hostnames_are_proxied_cnames_to_the_load_balancer_with_tags_on_a_paid_plan(edge):
    (record,) = edge.of_type("cloudflare:index/dnsRecord:DnsRecord")
    assert record.inputs["name"] == "www.qmoi.ai" and record.inputs["type"] == "CNAME"
    assert record.inputs["content"] == "app.qmoi.ai"
    assert record.inputs["proxied"] is True and record.inputs["ttl"] == 1
    assert {"environment:dev", "owner:platform-team", "cost-center:cc-1042"} <= set(record.inputs["tags"])


def test_worker_uploads_its_script_as_a_module_bound_to_its_route(edge):
    (script,) = edge.of_type("cloudflare:index/workersScript:WorkersScript")
    assert script.inputs["scriptName"] == "qmoi-dev-edge-router"
    assert script.inputs["mainModule"] == "worker.js"
    assert "export default" in script.inputs["content"]
    (route,) = edge.of_type("cloudflare:index/workersRoute:WorkersRoute")
    assert route.inputs == {"zoneId": "1" * 32, "pattern": "app.qmoi.ai/*", "script": "qmoi-dev-edge-router"}


def test_worker_secrets_are_secret_text_bindings_marked_secret_and_never_in_the_plan(edge):
    (script,) = edge.of_type("cloudflare:index/workersScript:WorkersScript")
    bindings = {b["name"]: b for b in script.inputs["bindings"]}
    assert bindings["ORIGIN_TOKEN"]["type"] == "secret_text"
    assert bindings["ORIGIN_TOKEN"]["text"] == "[secret]"
    assert json.loads(bindings["ORIGINS"]["json"])["aws"] == FAKE_ORIGINS[Provider.aws]
    assert not any(b["type"] == "plain_text" and b["name"] != "ENVIRONMENT" for b in bindings.values())
    assert SECRET not in json.dumps(edge.to_json())


def test_children_are_parented_to_their_components(edge):
    for component in ("cdn", "lb", "dns", "fn"):
        record = edge.named(component)
        assert record.type.startswith("qmoi:cloudflare:")
        assert edge.children(record)
