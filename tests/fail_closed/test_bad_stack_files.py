"""Every bad stack file of the review gets exit 2 and its key path, before any SDK or policy pack starts.

Each test starts from a shipped stack file and makes the one mistake the issue reports; `cli`
fails the test if the policy pack is spawned (validation must come first).
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from infra.config import ConfigError, load_stack_file, validate_engine_config
from infra.config.stackfile import CREDENTIAL_KEYS, ENGINE_CONFIG_LIMIT_BYTES, PROVIDER_PACKAGES
from infra.plan.runner import plan_stack_file
from tests.conftest import ROOT
from tests.fail_closed.conftest import shipped

CIPHERTEXT = "v1:" + base64.b64encode(b"twelve-bytes").decode() + ":" + base64.b64encode(b"x" * 24).decode()


def refused(cli, path: Path, *keys: str, stack: str = "dev") -> str:
    """Run `check` on the file; assert exit 2, every key path named, no traceback; return stderr."""
    result = cli("check", "--stack", stack, "--stack-file", str(path))
    assert result.code == 2, result.err + result.out
    assert "Traceback" not in result.err
    for key in keys:
        assert key in result.err, f"{key!r} not named in:\n{result.err}"
    return result.err


def edited(block: str, **values) -> dict:
    document = shipped("dev")
    document["config"][f"qmoi-cloud:{block}"] = {**document["config"].get(f"qmoi-cloud:{block}", {}), **values}
    return document


# --- crashes of the review (traceback, exit 1) --------------------------------------------------


def test_a_top_level_yaml_list_is_refused(cli, bad_file):
    refused(cli, bad_file("- config: {}\n"), "(top level)", "not a list")


def test_a_non_utf8_byte_in_a_value_names_the_key_and_line(cli, bad_file):
    text = (ROOT / "Pulumi.dev.yaml").read_bytes().replace(b"owner: platform-team", b"owner: platform-t\xffeam")
    err = refused(cli, bad_file(text), "qmoi-cloud:tags.owner", "0xff", "not UTF-8")
    assert re.search(r"line \d+", err)


def test_an_unquoted_date_is_read_as_the_text_the_cli_reads():
    # Go's YAML reader (the CLI) keeps `2024-05-01` as text; PyYAML would make it a date and crash.
    text = (ROOT / "Pulumi.dev.yaml").read_text().replace("owner: platform-team", "owner: 2024-05-01")
    stack_file = load_stack_file("dev", _tmp_file(text))
    assert stack_file.validated().tags.owner == "2024-05-01"


def test_an_unquoted_date_where_a_number_belongs_is_refused(cli, bad_file):
    text = (ROOT / "Pulumi.dev.yaml").read_text().replace("monthly_usd: 1000", "monthly_usd: 2024-05-01")
    refused(cli, bad_file(text), "budget.monthly_usd")


def test_a_block_given_as_a_broken_json_string_is_refused(cli, bad_file):
    text = (ROOT / "Pulumi.dev.yaml").read_text() + "  qmoi-cloud:network: '{nat_gateway: true'\n"
    refused(cli, bad_file(text), "network:", "not valid JSON")


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan"])
def test_an_infinite_or_nan_budget_is_refused(cli, bad_file, value):
    text = (ROOT / "Pulumi.dev.yaml").read_text().replace("monthly_usd: 1000", f"monthly_usd: {value}")
    refused(cli, bad_file(text), "budget.monthly_usd")


def test_nan_in_any_number_is_refused(cli, bad_file):
    document = edited("usage", cdn_egress_gb=float("nan"))
    refused(cli, bad_file(document), "usage.cdn_egress_gb")


@pytest.mark.parametrize("cidr", ["300.20.0.0/16", "10.20.5.0/16"])
def test_a_cidr_that_is_not_a_network_address_is_refused(cli, bad_file, cidr):
    document = shipped("dev")
    document["config"]["qmoi-cloud:aws"]["network"] = {"cidr": cidr}
    refused(cli, bad_file(document), "aws.network.cidr", cidr)


def test_a_secret_binding_without_worker_secrets_stops_the_program_and_the_offline_plan_says_so(tmp_path):
    document = shipped("dev")
    document["config"]["qmoi-cloud:cloudflare"]["secret_bindings"] = {"edge_router": ["API_KEY"]}
    stack_file = load_stack_file("dev", _tmp_file(yaml.safe_dump(document)))
    # Under the engine (from_pulumi), before anything is declared: a clear error naming the key.
    with pytest.raises(ConfigError, match=r"cloudflare.secret_bindings: edge_router.API_KEY need .*worker_secrets"):
        validate_engine_config(stack_file.config, stack_file.secret_keys, "dev", require_secrets=True)
    # Offline (no secret is ever decrypted here): a placeholder, and the plan names what is missing.
    plan = plan_stack_file(stack_file)
    assert any("qmoi-cloud:worker_secrets is not set" in w and "edge_router.API_KEY" in w for w in plan.warnings)


def test_a_secret_binding_that_worker_secrets_lacks_is_refused(cli, bad_file):
    document = shipped("dev")
    document["config"]["qmoi-cloud:cloudflare"]["secret_bindings"] = {"edge_router": ["API_KEY", "OTHER"]}
    document["config"]["qmoi-cloud:worker_secrets"] = {"edge_router": {"API_KEY": {"secure": CIPHERTEXT}}}
    err = refused(cli, bad_file(document), "cloudflare.secret_bindings.edge_router", "OTHER")
    assert "API_KEY has no value" not in err


def test_worker_secrets_set_with_path_reach_the_plan_as_secrets():
    document = shipped("dev")
    document["config"]["qmoi-cloud:cloudflare"]["secret_bindings"] = {"edge_router": ["API_KEY"]}
    document["config"]["qmoi-cloud:worker_secrets"] = {"edge_router": {"API_KEY": {"secure": CIPHERTEXT}}}
    stack_file = load_stack_file("dev", _tmp_file(yaml.safe_dump(document)))
    assert "qmoi-cloud:worker_secrets" in stack_file.secret_keys
    assert CIPHERTEXT not in json.dumps(stack_file.config)
    stack_file.validated()


def test_a_configuration_over_the_environment_variable_limit_is_refused(cli, bad_file):
    document = edited("tags", extra={"note": "x" * (ENGINE_CONFIG_LIMIT_BYTES + 10)})
    err = refused(cli, bad_file(document), "qmoi-cloud:tags", "PULUMI_CONFIG")
    assert "x" * 100 not in err


# --- accepted although wrong (exit 0) ------------------------------------------------------------


@pytest.mark.parametrize(
    "key", ["qmoi-cloud:worker_secrets", "aws:token", "gcp:accessToken", "cloudflare:apiUserServiceKey"]
)
def test_a_plain_text_secret_named_in_the_review_is_refused_without_echoing_it(cli, bad_file, key):
    document = shipped("dev")
    document["config"][key] = {"edge_router": {"API_KEY": "hunter2-plain"}} if "worker" in key else "hunter2-plain"
    err = refused(cli, bad_file(document), key, "plain text")
    assert "hunter2" not in err


@pytest.mark.parametrize("key", sorted(CREDENTIAL_KEYS))
def test_every_provider_credential_in_plain_text_is_refused(cli, bad_file, key):
    document = shipped("dev")
    document["config"][key] = "hunter2-plain"
    err = refused(cli, bad_file(document), key, "plain text")
    assert "hunter2" not in err


def test_the_credential_list_covers_every_credential_setting_of_the_provider_sdks():
    """Read each SDK's config/vars.py (as text) and find the settings whose names say credential."""
    import importlib.util

    credential_like = re.compile(r"(?:^|[a-z])(?:[Tt]oken|[Ss]ecret|[Pp]assword|[Cc]redentials|Key|AccessId)$")
    found = set()
    for namespace, package in PROVIDER_PACKAGES.items():
        spec = importlib.util.find_spec(package)
        assert spec is not None and spec.submodule_search_locations
        source = (Path(next(iter(spec.submodule_search_locations))) / "config" / "vars.py").read_text()
        keys = re.findall(r"__config__\.get\w*\('([A-Za-z0-9_]+)'\)", source)
        found |= {f"{namespace}:{k}" for k in keys if credential_like.search(k) or k in ("token", "credentials")}
    assert found == set(CREDENTIAL_KEYS)


@pytest.mark.parametrize(
    "secure", ["hunter2", "my-plain-password", "v1:abc", "v1:AAAAAAAAAAAAAAAA:c2hvcnQ=", 42, {"nested": "x"}]
)
def test_a_secure_value_that_cannot_be_ciphertext_is_refused_without_echoing_it(cli, bad_file, secure):
    document = shipped("dev")
    document["config"]["cloudflare:apiToken"] = {"secure": secure}
    err = refused(cli, bad_file(document), "cloudflare:apiToken", "cannot be ciphertext")
    if isinstance(secure, str) and len(secure) > 8:
        assert secure not in err


def test_a_negative_provider_budget_limit_is_refused(cli, bad_file):
    document = edited("budget", provider_limits={"aws": -500})
    refused(cli, bad_file(document), "budget.provider_limits.aws")


def test_provider_limits_that_leave_nothing_for_the_other_providers_are_refused(cli, bad_file):
    document = edited("budget", provider_limits={"aws": 1000})
    refused(cli, bad_file(document), "budget.provider_limits", "gcp, azure")


def test_a_negative_storage_size_is_refused(cli, bad_file):
    document = edited("usage", storage_gb={"artifacts": -5000})
    refused(cli, bad_file(document), "usage.storage_gb.artifacts")


@pytest.mark.parametrize(("name", "count"), [("no_such_function", 1.0), ("revenue_processing", -3.0)])
def test_function_requests_for_an_unknown_function_or_negative_are_refused(cli, bad_file, name, count):
    document = edited("usage", function_requests={name: count})
    refused(cli, bad_file(document), f"usage.function_requests.{name}")


@pytest.mark.parametrize("where", ["top", "nested"])
def test_a_duplicate_key_is_refused_naming_it_and_both_lines(cli, bad_file, where):
    text = (ROOT / "Pulumi.dev.yaml").read_text()
    if where == "top":
        text += "  qmoi-cloud:budget:\n    monthly_usd: 999999\n    alert_emails: [x@qmoi.ai]\n"
        key = "qmoi-cloud:budget"
    else:
        text = text.replace("    monthly_usd: 1000\n", "    monthly_usd: 1000\n    monthly_usd: 999999\n")
        key = "qmoi-cloud:budget.monthly_usd"
    err = refused(cli, bad_file(text), key, "given twice")
    assert re.search(r"lines \d+ and \d+", err)


def test_a_log_retention_cloudwatch_rejects_is_refused(cli, bad_file):
    document = shipped("dev")
    document["config"]["qmoi-cloud:log_retention_days"] = 8
    refused(cli, bad_file(document), "log_retention_days", "CloudWatch")


def test_a_gpu_vpc_range_inside_the_main_vpc_range_is_refused(cli, bad_file):
    document = edited("digitalocean", vpc_cidr="10.50.0.0/16", gpu_vpc_cidr="10.50.16.0/20")
    refused(cli, bad_file(document), "digitalocean", "overlaps")


@pytest.mark.parametrize("name", ["sthree-qmoi", "xn--qmoi", "qmoi-s3alias", "amzn-s3-demo-qmoi"])
def test_an_s3_base_name_with_a_reserved_prefix_or_suffix_is_refused(cli, bad_file, name):
    document = edited("aws", s3_bucket=name)
    refused(cli, bad_file(document), "aws.s3_bucket", "reserved")


def test_a_namespace_typo_is_refused_with_the_likely_key(cli, bad_file):
    document = shipped("dev")
    document["config"]["qmoi_cloud:network"] = {"nat_gateway": True}
    refused(cli, bad_file(document), "qmoi_cloud:network", "did you mean 'qmoi-cloud:network'")


def test_a_provider_setting_typo_is_refused(cli, bad_file):
    document = shipped("dev")
    document["config"]["aws:regoin"] = "us-west-2"
    refused(cli, bad_file(document), "aws:regoin", "did you mean 'aws:region'")


def test_a_stack_name_pulumi_rejects_is_refused(cli, bad_file):
    refused(cli, bad_file(shipped("dev")), "dev;rm", "stack name", stack="dev;rm")


def test_a_stack_with_every_provider_disabled_is_refused(cli, bad_file):
    document = shipped("dev")
    for name in ("aws", "gcp", "azure", "cloudflare", "digitalocean"):
        document["config"][f"qmoi-cloud:{name}"]["enabled"] = False
    refused(cli, bad_file(document), "aws.enabled", "no provider is enabled")


# --- validation comes first ----------------------------------------------------------------------

PROBE = """
import sys
from infra.cli import main
code = main(["check", "--stack", "dev", "--stack-file", sys.argv[1]])
loaded = sorted(m for m in sys.modules if m.startswith("pulumi_") or m in ("grpc", "infra.check.pack"))
print(code, loaded)
"""


def test_a_bad_stack_file_imports_no_sdk_and_starts_no_pack(bad_file):
    document = edited("budget", monthly_usd=-1)
    out = subprocess.run(  # noqa: S603 (our interpreter, our probe)
        [sys.executable, "-c", PROBE, str(bad_file(document))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.stdout.strip() == "2 []", out.stdout + out.stderr
    assert "budget.monthly_usd" in out.stderr and "Traceback" not in out.stderr


def _tmp_file(text: str) -> Path:
    import tempfile

    handle = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False, encoding="utf-8")  # noqa: SIM115
    with handle:
        handle.write(text)
    return Path(handle.name)
