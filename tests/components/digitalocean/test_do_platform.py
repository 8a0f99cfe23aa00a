"""DigitalOceanPlatform: functions app, Spaces CDN, monitor alerts, the edge origin, and credentials
that reach the provider only as secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pytest
import yaml

from components.digitalocean.platform import DigitalOceanPlatform
from infra.config import ConfigError, load_stack_file
from infra.plan.runner import plan_stack_file, record
from tests.conftest import make_config

from .conftest import do_block

APP = "digitalocean:index/app:App"
ALERT = "digitalocean:index/monitorAlert:MonitorAlert"
SECRET_CIPHERTEXT = "v1:AAAAAAAAAAAAAAAA:bm90LWEtcmVhbC1jaXBoZXJ0ZXh0"


def test_platform_is_the_qmoi_component_with_an_explicit_provider(dev_do):
    platform = dev_do.named("do")
    assert platform.type == "qmoi:digitalocean:Platform"
    provider = dev_do.named("do-provider")
    assert provider.type == "pulumi:providers:digitalocean" and provider.parent == platform.urn
    assert "token" not in provider.inputs  # nothing configured: the provider reads DIGITALOCEAN_TOKEN


def test_one_app_builds_each_enabled_function_from_the_repository(dev_do):
    (app,) = dev_do.of_type(APP)
    spec = app.inputs["spec"]
    assert spec["name"] == "qmoi-dev-functions" and spec["region"] == "nyc"
    functions = {f["name"]: f for f in spec["functions"]}
    assert set(functions) == {"webhook-ingest", "usage-report"}
    for name, function in functions.items():
        assert function["sourceDir"] == f"functions/{name.replace('-', '_')}"
        assert function["github"] == {"repo": "qmoi/qmoi-cloud", "branch": "main", "deployOnPush": False}
    prefixes = {r["component"]["name"]: r["match"]["path"]["prefix"] for r in spec["ingress"]["rules"]}
    assert prefixes == {"webhook-ingest": "/webhook-ingest", "usage-report": "/usage-report"}
    assert {a["rule"] for a in spec["alerts"]} == {"DEPLOYMENT_FAILED", "DOMAIN_FAILED"}


def test_every_function_source_dir_is_a_digitalocean_functions_project(dev_do):
    (app,) = dev_do.of_type(APP)
    root = Path(__file__).resolve().parents[3]
    for function in app.inputs["spec"]["functions"]:
        project = yaml.safe_load((root / function["sourceDir"] / "project.yml").read_text())
        (package,) = project["packages"]
        for fn in package["functions"]:
            assert (root / function["sourceDir"] / "packages" / package["name"] / fn["name"] / "__main__.py").is_file()
            assert fn["runtime"].startswith("python:")
            assert fn["limits"]["timeout"] <= 900_000 and 128 <= fn["limits"]["memory"] <= 1024


def test_no_app_when_no_function_is_enabled(build_do):
    plan = build_do(functions={})
    assert plan.of_type(APP) == []


def test_cdn_fronts_the_media_bucket_with_a_lets_encrypt_certificate(dev_do):
    certificate = dev_do.named("do-cdn-certificate")
    assert certificate.inputs["type"] == "lets_encrypt" and certificate.inputs["domains"] == ["media.qmoi.ai"]
    endpoint = dev_do.named("do-cdn-endpoint")
    assert endpoint.inputs["origin"] == "qmoi-cloud-storage-dev-media.nyc3.digitaloceanspaces.com"
    assert endpoint.inputs["customDomain"] == "media.qmoi.ai"
    assert endpoint.inputs["certificateName"] == certificate.inputs["name"]


def test_monitor_alerts_watch_cpu_and_memory_of_every_tier_tag_and_mail_the_alert_list(dev_do):
    alerts = {(tuple(a.inputs["tags"]), a.inputs["type"]): a.inputs for a in dev_do.of_type(ALERT)}
    assert len(alerts) == 6
    for tier in ("compute", "gpu", "memory"):
        cpu = alerts[((f"qmoi-dev-{tier}",), "v1/insights/droplet/cpu")]
        memory = alerts[((f"qmoi-dev-{tier}",), "v1/insights/droplet/memory_utilization_percent")]
        for alert in (cpu, memory):
            assert alert["compare"] == "GreaterThan" and alert["enabled"] is True
            assert alert["alerts"]["emails"] == ["alerts@example.com"]
        assert (cpu["value"], memory["value"]) == (85, 90)


def test_origin_is_the_cdn_endpoint_else_the_app_hostname(record_component):
    def origin_of(**overrides):
        config = make_config("dev", digitalocean=do_block(**overrides))
        plan = record_component(lambda: pulumi.export("origin", DigitalOceanPlatform("do", config).origin))
        return plan.outputs["origin"]

    assert origin_of() == "qmoi-cloud-storage-dev-media.nyc3.cdn.digitaloceanspaces.com"
    assert origin_of(cdn={"enabled": False}).endswith(".ondigitalocean.app")
    assert "://" not in origin_of(cdn={"enabled": False})
    assert origin_of(cdn={"enabled": False}, functions={}) is None


def test_secret_config_credentials_reach_the_provider_as_secrets_only():
    config = make_config("dev", digitalocean=do_block())
    secret_values = {"token": "dop_v1_plaintext_never", "spacesAccessId": "DO00KEY", "spacesSecretKey": "s3cr3t"}
    plan = record(
        lambda: DigitalOceanPlatform("do", config),
        stack="dev",
        config={f"digitalocean:{k}": v for k, v in secret_values.items()},
        secret_keys=[f"digitalocean:{k}" for k in secret_values],
    )
    provider = plan.named("do-provider")
    assert {k: provider.inputs[k] for k in ("token", "spacesAccessId", "spacesSecretKey")} == dict.fromkeys(
        ("token", "spacesAccessId", "spacesSecretKey"), "[secret]"
    )
    dumped = json.dumps(plan.to_json())
    assert not any(value in dumped for value in secret_values.values())


def write_stack(tmp_path: Path, token: object) -> Path:
    document = {
        "config": {
            "qmoi-cloud:tags": {"owner": "platform-team", "cost-center": "cc-1042"},
            "qmoi-cloud:budget": {"monthly_usd": 1000, "alert_emails": ["alerts@example.com"]},
            "qmoi-cloud:digitalocean": do_block(),
            "qmoi-cloud:function_secrets": {"secure": SECRET_CIPHERTEXT},
            "digitalocean:token": token,
        }
    }
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_a_stack_file_with_an_encrypted_token_plans_without_the_ciphertext_in_the_plan(tmp_path):
    plan = plan_stack_file(load_stack_file("dev", write_stack(tmp_path, {"secure": SECRET_CIPHERTEXT})))
    assert plan.named("qmoi-digitalocean-provider").inputs["token"] == "[secret]"
    assert len(plan.of_type("digitalocean:index/dropletAutoscale:DropletAutoscale")) == 1  # gpu, memory parked in dev
    assert SECRET_CIPHERTEXT not in json.dumps(plan.to_json())


def test_a_plaintext_token_in_a_stack_file_is_rejected_naming_the_key(tmp_path):
    with pytest.raises(ConfigError, match=r"digitalocean:token: a credential must not be plain text"):
        load_stack_file("dev", write_stack(tmp_path, "dop_v1_0123456789abcdef"))
