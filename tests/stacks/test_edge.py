"""The multi-cloud edge wiring: origins flow from the clouds' outputs into Cloudflare, secrets stay secret,
and a stack without Cloudflare never imports pulumi_cloudflare."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from components.specs import HEALTH_CACHE_CONTROL, HEALTH_OBJECT_KEY
from infra.config import ConfigError, load_stack_file, origin_providers
from infra.plan.mocks import PlatformMocks
from infra.plan.runner import plan_stack_file, record, run_main
from tests.conftest import ROOT

POOL = "cloudflare:index/loadBalancerPool:LoadBalancerPool"
TOKEN_CIPHERTEXT = "v1:AAAAAAAAAAAAAAAA:dGhpcy1pcy1ub3QtcmVhbA=="
WORKER_CIPHERTEXT = "v1:BBBBBBBBBBBBBBBB:bm90LXJlYWwtZWl0aGVyIQ=="
# The smallest stack with one cloud origin (AWS CloudFront) and the edge in front of it.
SMALL_STACK = {
    "qmoi-cloud:tags": {"owner": "platform-team", "cost-center": "cc-1042"},
    "qmoi-cloud:budget": {"monthly_usd": 1000, "alert_emails": ["alerts@example.com"]},
    "qmoi-cloud:aws": {"enabled": True, "cloudfront": {"enabled": True}},
    "qmoi-cloud:cloudflare": {
        "enabled": True,
        "account_id": "a" * 32,
        "zones": [{"name": "qmoi.ai", "zone_id": "1" * 32, "hostnames": ["www-dev.qmoi.ai"]}],
        "workers": {"edge_router": {"routes": ["app-dev.qmoi.ai/*"]}},
        "secret_bindings": {"edge_router": ["ORIGIN_TOKEN"]},
        "load_balancer": {"enabled": True},
    },
}


def write_stack(tmp_path: Path, config: dict, stack: str = "dev") -> Path:
    path = tmp_path / f"Pulumi.{stack}.yaml"
    path.write_text(yaml.safe_dump({"config": config}))
    return path


def pool_addresses(plan) -> dict[str, str]:
    return {r.name.rsplit("-", 1)[-1]: r.inputs["origins"][0]["address"] for r in plan.of_type(POOL)}


def test_dev_has_one_pool_per_enabled_cloud_origin_fed_by_the_clouds_outputs(stack_plan):
    plan = stack_plan("dev")
    expected = {p.value for p in origin_providers(plan.config)}
    addresses = pool_addresses(plan)
    assert set(addresses) == expected and expected
    assert addresses == plan.outputs["cloudflare"]["origins"]
    assert addresses["aws"] == plan.outputs["aws"]["cdn_domain"]


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_every_shipped_stack_puts_the_edge_in_front_with_tls_1_2_and_always_https(stack_plan, stack):
    plan = stack_plan(stack)
    # zone-wide settings are the zone owner's (prod), whose settings every stack's hostnames get
    owner = stack_plan(plan.config.cloudflare.zone_settings_owner)
    settings = {
        (r.inputs["zoneId"], r.inputs["settingId"]): r.inputs["value"]
        for r in owner.of_type("cloudflare:index/zoneSetting:ZoneSetting")
    }
    zones = {z.zone_id for z in plan.config.cloudflare.zones}
    assert all(settings[(z, "min_tls_version")] == "1.2" and settings[(z, "always_use_https")] == "on" for z in zones)
    assert plan.of_type("cloudflare:index/loadBalancer:LoadBalancer")
    assert plan.of_type("cloudflare:index/workersRoute:WorkersRoute")
    assert len(plan.of_type("cloudflare:index/r2Bucket:R2Bucket")) == 4


@pytest.fixture(scope="module")
def small_stack(tmp_path_factory):
    config = SMALL_STACK | {
        "cloudflare:apiToken": {"secure": TOKEN_CIPHERTEXT},
        "qmoi-cloud:worker_secrets": {"secure": WORKER_CIPHERTEXT},
    }
    return load_stack_file("dev", write_stack(tmp_path_factory.mktemp("edge"), config))


@pytest.fixture(scope="module")
def overridden_plan(small_stack):
    mocks = PlatformMocks(overrides={"qmoi-aws-cdn-distribution": {"domainName": "changed.cloudfront.net"}})
    return plan_stack_file(small_stack, mocks)


def test_changing_the_upstream_cdn_output_changes_the_pool_origin(overridden_plan):
    assert pool_addresses(overridden_plan) == {"aws": "changed.cloudfront.net"}
    lb = overridden_plan.of_type("cloudflare:index/loadBalancer:LoadBalancer")[0]
    assert lb.inputs["name"] == "app-dev.qmoi.ai"


def test_secure_token_and_worker_secret_plan_without_their_ciphertext_in_the_plan(overridden_plan):
    provider = overridden_plan.named("qmoi-cloudflare-provider")
    assert provider.inputs["apiToken"] == "[secret]"
    (script,) = overridden_plan.of_type("cloudflare:index/workersScript:WorkersScript")
    binding = next(b for b in script.inputs["bindings"] if b["name"] == "ORIGIN_TOKEN")
    assert binding == {"name": "ORIGIN_TOKEN", "type": "secret_text", "text": "[secret]"}
    dumped = json.dumps(overridden_plan.to_json())
    assert TOKEN_CIPHERTEXT not in dumped and WORKER_CIPHERTEXT not in dumped


def test_decrypted_secrets_as_the_cli_passes_them_stay_out_of_the_plan(small_stack):
    token, worker_secret = "cf-token-plaintext-123", "origin-token-plaintext-456"
    config = dict(small_stack.config)
    config["cloudflare:apiToken"] = token
    config["qmoi-cloud:worker_secrets"] = json.dumps({"edge_router": {"ORIGIN_TOKEN": worker_secret}})
    plan = record(run_main, stack="dev", config=config, secret_keys=small_stack.secret_keys)
    dumped = json.dumps(plan.to_json())
    assert plan.of_type("cloudflare:index/workersScript:WorkersScript")
    assert token not in dumped and worker_secret not in dumped


def test_a_plaintext_api_token_is_rejected_with_the_key_named(tmp_path):
    path = write_stack(tmp_path, SMALL_STACK | {"cloudflare:apiToken": "plain-token"})
    with pytest.raises(ConfigError) as caught:
        load_stack_file("dev", path)
    assert caught.value.problems[0].startswith("cloudflare:apiToken: a credential must not be plain text")


def test_a_stack_without_cloudflare_never_imports_pulumi_cloudflare(tmp_path):
    config = SMALL_STACK | {"qmoi-cloud:cloudflare": {"enabled": False}}
    path = write_stack(tmp_path, config)
    program = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from infra.plan.runner import plan_stack_file
        from infra.config import load_stack_file
        plan = plan_stack_file(load_stack_file("dev", Path({str(path)!r})))
        assert plan.of_type("aws:cloudfront/distribution:Distribution"), "the AWS half was planned"
        print("pulumi_cloudflare" in sys.modules)
        """
    )
    result = subprocess.run(  # noqa: S603 (our own interpreter and program)
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_cloud_s_health_object_tells_the_cdn_in_front_of_it_not_to_cache_it(stack_plan, stack):
    plan = stack_plan(stack)
    objects = {
        "aws": [o.inputs.get("cacheControl") for o in plan.of_type("aws:s3/bucketObjectv2:BucketObjectv2")],
        "gcp": [
            o.inputs.get("cacheControl")
            for o in plan.of_type("gcp:storage/bucketObject:BucketObject")
            if o.inputs["name"] == HEALTH_OBJECT_KEY
        ],
        "digitalocean": [
            o.inputs.get("cacheControl")
            for o in plan.of_type("digitalocean:index/spacesBucketObject:SpacesBucketObject")
        ],
        "azure": [
            c.inputs["environment"].get("CACHE_CONTROL")
            for c in plan.of_type("command:local:Command")
            if "BLOB" in c.inputs.get("environment", {})
        ],
    }
    assert objects == {provider: [HEALTH_CACHE_CONTROL] for provider in objects}
    (upload,) = [c for c in plan.of_type("command:local:Command") if "BLOB" in c.inputs.get("environment", {})]
    assert '--content-cache-control "$CACHE_CONTROL"' in upload.inputs["create"]


def test_every_pool_probes_from_the_configured_regions_never_from_every_data_centre(prod_plan):
    pools = prod_plan.of_type("cloudflare:index/loadBalancerPool:LoadBalancerPool")
    assert len(pools) == 4
    assert all(p.inputs["checkRegions"] == ["ENAM"] for p in pools)
    assert prod_plan.config.cloudflare.load_balancer.check_regions == ["ENAM"]
