"""The Azure CLI commands the stack runs: one shared prelude, a retry that outlasts RBAC propagation,
and a fresh CI login from the GitHub OIDC token before each attempt. Run with a fake `az` and `curl`."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from components.azure import cdn, cli, functions
from components.specs import HEALTH_CACHE_CONTROL
from tests.conftest import ROOT

SCRIPTS = {"publish": functions.PUBLISH, "health blob": cdn.UPLOAD_HEALTH_BLOB}
# A fake az: logs every call; `login` succeeds; other calls print $FAIL_WITH while $FAILURES remain.
FAKE_AZ = """#!/bin/sh
echo "$*" >> "$CALLS"
case "$1" in login) exit 0 ;; esac
count=$(cat "$COUNTER" 2>/dev/null || echo 0)
if [ "$count" -lt "$FAILURES" ]; then echo $((count + 1)) > "$COUNTER"; echo "$FAIL_WITH" >&2; exit 1; fi
echo uploaded
"""
FAKE_CURL = """#!/bin/sh
echo "$*" >> "$CURL_CALLS"
echo '{"count": 1, "value": "fresh-github-assertion"}'
"""


def executable(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def run(tmp_path: Path, script: str, failures: int, fail_with: str, ci: bool = True, attempts: int = 5):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    executable(bin_dir / "az", FAKE_AZ)
    executable(bin_dir / "curl", FAKE_CURL)
    env = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "CALLS": str(tmp_path / "calls"),
        "CURL_CALLS": str(tmp_path / "curl-calls"),
        "COUNTER": str(tmp_path / "counter"),
        "FAILURES": str(failures),
        "FAIL_WITH": fail_with,
        "RETRY_ATTEMPTS": str(attempts),
        "RETRY_DELAY": "0",
        "ACCOUNT": "acct",
        "CONTAINER": "media",
        "BLOB": "healthz.txt",
        "BODY": "ok\n",
        "CACHE_CONTROL": HEALTH_CACHE_CONTROL,
        "SUBSCRIPTION_ID": "0b1f6471-1bf0-4dda-aec3-111122223333",
        "RESOURCE_GROUP": "qmoi-dev-rg",
        "APP_NAME": "qmoi-dev-fn",
    }
    if ci:
        env |= {
            "ACTIONS_ID_TOKEN_REQUEST_URL": "https://token.actions.example/id?api-version=2.0",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token",
            "ARM_CLIENT_ID": "client-id",
            "ARM_TENANT_ID": "tenant-id",
        }
    source = tmp_path / "function"  # what One Deploy zips
    source.mkdir(exist_ok=True)
    (source / "handler.py").write_text("def handler(request):\n    return 'ok'\n")
    done = subprocess.run(  # noqa: S603 (our own script)
        ["sh", "-c", script],  # noqa: S607
        env=env,
        cwd=source,
        capture_output=True,
        text=True,
        check=False,
    )
    calls = (tmp_path / "calls").read_text().splitlines() if (tmp_path / "calls").exists() else []
    return done, calls


@pytest.mark.parametrize("script", SCRIPTS.values(), ids=SCRIPTS.keys())
def test_every_azure_command_is_the_shared_prelude_and_its_own_body(script):
    assert script.startswith(cli.PRELUDE)
    body = script.removeprefix(cli.PRELUDE)
    assert "az_login()" not in body and "retry()" not in body and body.startswith(("body=", "package="))
    assert body.count("retry az ") == 1
    subprocess.run(["sh", "-n", "-c", script], check=True)  # noqa: S603, S607 (our own script)


def test_no_module_writes_its_own_azure_cli_login_or_retry_loop():
    texts = {p.name: p.read_text() for p in (ROOT / "components" / "azure").glob("*.py")}
    assert [n for n, t in texts.items() if "az login" in t] == ["cli.py"]
    assert [n for n, t in texts.items() if "sleep " in t] == ["cli.py"]


def test_the_retry_window_outlasts_the_ten_minutes_azure_takes_to_apply_a_role_assignment():
    env = cli.retry_environment()
    assert int(env["RETRY_ATTEMPTS"]) * int(env["RETRY_DELAY"]) >= cli.RBAC_PROPAGATION_S == 600


def test_an_upload_refused_until_its_role_applies_succeeds_after_retries_logging_in_afresh_each_time(tmp_path):
    done, calls = run(tmp_path, cdn.UPLOAD_HEALTH_BLOB, 2, "ERROR: This request is not authorized (403 Forbidden)")
    assert done.returncode == 0, done.stderr
    logins = [c for c in calls if c.startswith("login ")]
    uploads = [c for c in calls if c.startswith("storage blob upload")]
    assert len(uploads) == 3 and len(logins) == 3
    assert all("--federated-token fresh-github-assertion" in c and "--username client-id" in c for c in logins)
    assert "--tenant tenant-id --federated-token" in logins[0] and "--service-principal" in logins[0]
    assert f"--content-cache-control {HEALTH_CACHE_CONTROL}" in uploads[0]
    curl = (tmp_path / "curl-calls").read_text()
    assert "&audience=api://AzureADTokenExchange" in curl and "Authorization: bearer request-token" in curl


def test_an_expired_federated_assertion_is_retried_with_a_new_login(tmp_path):
    done, calls = run(
        tmp_path, cdn.UPLOAD_HEALTH_BLOB, 1, "AADSTS700024: Client assertion is not within its valid time"
    )
    assert done.returncode == 0 and len([c for c in calls if c.startswith("login ")]) == 2


def test_a_failure_that_is_not_about_authorization_stops_at_once(tmp_path):
    done, calls = run(tmp_path, functions.PUBLISH, 5, "Build failed: bad wheel")
    assert done.returncode == 1
    (publish,) = [c for c in calls if c.startswith("functionapp")]
    assert "--subscription 0b1f6471-1bf0-4dda-aec3-111122223333 --resource-group qmoi-dev-rg" in publish


def test_the_retry_gives_up_after_its_attempts(tmp_path):
    done, calls = run(tmp_path, cdn.UPLOAD_HEALTH_BLOB, 99, "403 Forbidden", attempts=3)
    assert done.returncode == 1 and len([c for c in calls if c.startswith("storage")]) == 3
    assert "attempt 3 of 3" in done.stderr


def test_outside_github_actions_the_deployer_s_own_cli_login_is_used(tmp_path):
    done, calls = run(tmp_path, cdn.UPLOAD_HEALTH_BLOB, 0, "", ci=False)
    assert done.returncode == 0 and not [c for c in calls if c.startswith("login")]


def test_both_commands_carry_the_retry_window_and_pin_the_subscription(dev_plan):
    commands = dev_plan.of_type("command:local:Command")
    azure = [c for c in commands if "az " in c.inputs["create"]]
    assert len(azure) == 4  # three publishers and the health blob
    for command in azure:
        assert command.inputs["environment"]["RETRY_ATTEMPTS"] == "24"
        assert command.inputs["environment"]["RETRY_DELAY"] == "30"
    publishers = [c for c in azure if "config-zip" in c.inputs["create"]]
    assert all(c.inputs["environment"]["SUBSCRIPTION_ID"] for c in publishers)
    assert all('--subscription "$SUBSCRIPTION_ID"' in c.inputs["create"] for c in publishers)
