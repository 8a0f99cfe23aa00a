"""Cloudflare configuration: zones, routes, hostnames and load-balancer pools are checked offline."""

from __future__ import annotations

import pytest

from infra.config import ConfigError
from tests.conftest import make_config

ZONES = [{"name": "qmoi.ai", "zone_id": "1" * 32}, {"name": "qmoi.cloud", "zone_id": "2" * 32}]
AWS_WITH_CDN = {"enabled": True, "cloudfront": {"enabled": True}}


def cloudflare(**extra):
    return {"enabled": True, "account_id": "a" * 32, "zones": ZONES} | extra


def problems(**blocks) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        make_config("dev", **blocks)
    return caught.value.problems


def test_a_valid_edge_config_defaults_the_hostname_per_environment():
    lb = {"enabled": True}
    dev = make_config("dev", aws=AWS_WITH_CDN, cloudflare=cloudflare(load_balancer=lb))
    prod = make_config("prod", aws=AWS_WITH_CDN, cloudflare=cloudflare(load_balancer=lb))
    assert dev.cloudflare.lb_hostname("dev") == "app-dev.qmoi.ai"
    assert prod.cloudflare.lb_hostname("prod") == "app.qmoi.ai"


def test_failover_order_may_only_name_enabled_clouds_with_an_origin():
    found = problems(
        aws=AWS_WITH_CDN, cloudflare=cloudflare(load_balancer={"enabled": True, "failover_order": ["aws", "gcp"]})
    )
    assert found == [
        "cloudflare.load_balancer.failover_order: 'gcp' is not an enabled cloud with an origin (allowed: aws)"
    ]


def test_a_cloud_without_its_cdn_serves_no_origin():
    found = problems(aws={"enabled": True}, cloudflare=cloudflare(load_balancer={"enabled": True}))
    assert any(p.startswith("cloudflare.load_balancer: no origin to balance") for p in found)


def test_geo_steering_needs_known_regions_and_enabled_pools():
    lb = {"enabled": True, "steering": "geo", "geo": {"MARS": ["aws"], "WEU": ["azure"]}}
    found = problems(aws=AWS_WITH_CDN, cloudflare=cloudflare(load_balancer=lb))
    assert any(p.startswith("cloudflare.load_balancer.geo: 'MARS' is not a Cloudflare region") for p in found)
    assert any(p.startswith("cloudflare.load_balancer.geo.WEU: 'azure' is not an enabled cloud") for p in found)


def test_geo_pools_without_geo_steering_are_rejected():
    found = problems(aws=AWS_WITH_CDN, cloudflare=cloudflare(load_balancer={"enabled": True, "geo": {"WEU": ["aws"]}}))
    assert found == ["cloudflare.load_balancer.geo: used only with steering: geo (steering is 'off')"]


def test_routes_and_hostnames_must_be_in_a_configured_zone():
    zones = [ZONES[0] | {"hostnames": ["www.example.com"]}]
    workers = {"edge_router": {"routes": ["app.example.com/*"]}}
    found = problems(cloudflare=cloudflare(zones=zones, workers=workers))
    assert "cloudflare.zones[0].hostnames: 'www.example.com' is not in the zone 'qmoi.ai'" in found
    assert any(p.startswith("cloudflare.workers.edge_router.routes[0]: 'app.example.com/*'") for p in found)


def test_secret_bindings_name_configured_workers_and_upper_case_names():
    found = problems(cloudflare=cloudflare(secret_bindings={"edge_router": ["bad-name"]}))
    assert found == ["cloudflare.secret_bindings.edge_router.0: 'bad-name' does not match ^[A-Z][A-Z0-9_]{0,63}$"]
    found = problems(cloudflare=cloudflare(secret_bindings={"nope": ["TOKEN"]}))
    assert found == ["cloudflare.secret_bindings.nope: no such worker (workers: none)"]


def test_zone_ids_must_be_32_hex_digits():
    found = problems(cloudflare=cloudflare(zones=[{"name": "qmoi.ai", "zone_id": "not-a-zone"}]))
    assert found == ["cloudflare.zones.0.zone_id: 'not-a-zone' does not match ^[0-9a-f]{32}$"]
