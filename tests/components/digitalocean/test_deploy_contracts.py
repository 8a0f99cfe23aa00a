"""DigitalOcean defects of the deploy-contracts review (issue 13), on the shipped stacks: each failed before its fix."""

from __future__ import annotations

import base64
import hashlib
import itertools
import re

import pytest

from components.digitalocean import compute
from infra.config import ConfigError
from tests.conftest import make_config

from .conftest import do_block

VPC = "digitalocean:index/vpc:Vpc"
POOL = "digitalocean:index/dropletAutoscale:DropletAutoscale"


def test_no_two_shipped_stacks_ask_for_the_same_vpc_range(stack_plan):
    pinned = [r.inputs.get("ipRange") for s in ("dev", "staging", "prod") for r in stack_plan(s).of_type(VPC)]
    assert pinned == [None] * 6  # allocated by DigitalOcean, clear of every other network of the team
    names = [r.inputs["name"] for s in ("dev", "staging", "prod") for r in stack_plan(s).of_type(VPC)]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_every_droplet_pool_has_at_least_one_droplet(stack_plan, stack):
    for pool in stack_plan(stack).of_type(POOL):
        config = pool.inputs["config"]
        assert config.get("minInstances", config.get("targetNumberInstances")) >= 1, pool.name


def test_the_gpu_pool_keeps_a_fixed_size_instead_of_scaling_on_cpu(prod_plan):
    (gpu,) = [p for p in prod_plan.of_type(POOL) if p.inputs["dropletTemplate"]["size"].startswith("gpu-")]
    assert gpu.inputs["config"] == {"targetNumberInstances": 2}


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_no_lets_encrypt_certificate_is_asked_for_a_cloudflare_domain(stack_plan, stack):
    plan = stack_plan(stack)
    zones = [z.name for z in plan.config.cloudflare.zones]
    for cert in plan.of_type("digitalocean:index/certificate:Certificate"):
        assert not any(d.endswith(z) for d in cert.inputs["domains"] for z in zones)
    assert all("customDomain" not in c.inputs for c in plan.of_type("digitalocean:index/cdn:Cdn"))


def test_a_spaces_cdn_domain_in_a_cloudflare_zone_is_a_config_error():
    with pytest.raises(ConfigError, match=r"digitalocean.cdn.domains\[0\]: 'cdn.qmoi.ai' is in the Cloudflare zone"):
        make_config(
            "dev",
            digitalocean=do_block(cdn={"enabled": True, "domains": ["cdn.qmoi.ai"]}),
            cloudflare={"enabled": True, "zones": [{"name": "qmoi.ai", "zone_id": "1" * 32}]},
        )


def test_the_webhook_secret_is_a_secret_env_of_its_function_in_the_app_spec(dev_plan):
    (app,) = dev_plan.of_type("digitalocean:index/app:App")
    functions = {f["name"]: f for f in app.inputs["spec"]["functions"]}
    assert functions["webhook-ingest"]["envs"] == [
        {"key": "WEBHOOK_SECRET", "value": "[secret]", "type": "SECRET", "scope": "RUN_AND_BUILD_TIME"}
    ]
    assert "envs" not in functions["usage-report"]


def test_the_app_is_redeployed_when_a_functions_code_changes(dev_plan):
    (app,) = dev_plan.of_type("digitalocean:index/app:App")
    deployment = dev_plan.named("qmoi-digitalocean-functions-deployment")
    assert deployment.inputs["create"] == 'doctl apps create-deployment "$APP_ID" --wait'
    assert app.urn in deployment.dependencies
    digests = [t for t in deployment.inputs["triggers"] if t.startswith(("webhook_ingest:", "usage_report:"))]
    assert len(digests) == 2


def test_user_data_installs_a_pinned_agent_from_a_repository_signed_by_a_pinned_key(prod_plan):
    for pool in prod_plan.of_type(POOL):
        user_data = pool.inputs["dropletTemplate"]["userData"]
        assert "| bash" not in user_data and "apt-key" not in user_data
        assert f'[do-agent, "{compute.DO_AGENT_VERSION}"]' in user_data
        assert "-----BEGIN PGP PUBLIC KEY BLOCK-----" in user_data


def v4_fingerprint(armored: str) -> str:
    """The OpenPGP v4 fingerprint of the first (primary) key packet of an armored public key."""
    body = "".join(itertools.takewhile(lambda line: not line.startswith("="), armored.split("\n\n", 1)[1].splitlines()))
    data = base64.b64decode(body)
    tag = data[0]
    assert tag & 0x80 and ((tag >> 2) & 0x0F == 6 or tag & 0x3F == 6)  # a public-key packet
    if tag & 0x40:  # new format, two-octet length (the key is < 8384 bytes)
        length, start = ((data[1] - 192) << 8) + data[2] + 192, 3
    else:  # old format, two-octet length
        length, start = int.from_bytes(data[1:3], "big"), 3
    packet = data[start : start + length]
    return hashlib.sha1(b"\x99" + length.to_bytes(2, "big") + packet).hexdigest().upper()  # noqa: S324 (OpenPGP v4)


def test_the_vendored_agent_key_is_the_one_the_fingerprint_pins():
    assert re.fullmatch(r"[0-9A-F]{40}", compute.DO_AGENT_KEY_FINGERPRINT)
    assert v4_fingerprint(compute.DO_AGENT_KEY) == compute.DO_AGENT_KEY_FINGERPRINT


def test_the_spaces_cdn_serves_a_public_health_object_the_edge_probes(dev_plan):
    (health,) = dev_plan.of_type("digitalocean:index/spacesBucketObject:SpacesBucketObject")
    assert health.inputs["key"] == "healthz.txt" and health.inputs["acl"] == "public-read"
    assert health.inputs["bucket"] == "qmoi-cloud-storage-dev-media"
