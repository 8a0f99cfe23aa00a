"""`python -m infra plan` on the shipped stacks and on broken stack files."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from infra.cli import main
from tests.conftest import ROOT

T = {
    "bucket": "aws:s3/bucket:Bucket",
    "sse": "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "pab": "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "lt": "aws:ec2/launchTemplate:LaunchTemplate",
    "asg": "aws:autoscaling/group:Group",
}


@pytest.fixture(scope="module")
def dev_json(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The dev plan's JSON exactly as `python -m infra plan --stack dev --format json` prints it, in a process
    of its own; dev with only AWS enabled (the other SDKs' imports cost ~10 s, and .ci/run plans the whole
    dev stack with the runtime requirements alone)."""
    stack_file = aws_only_stack(tmp_path_factory.mktemp("dev-json"))
    out = subprocess.run(  # noqa: S603 (our interpreter, our CLI)
        [sys.executable, "-m", "infra", "plan", "--stack", "dev", "--stack-file", str(stack_file), "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def by_type(document: dict, type_token: str) -> list[dict]:
    return [r for r in document["resources"] if r["type"] == type_token]


def test_dev_json_has_the_aws_resources_the_issue_names(dev_json):
    dev = dev_json
    buckets = by_type(dev, T["bucket"])
    assert len(buckets) >= 4
    bucket_urns = {b["urn"] for b in buckets}
    for kind in ("sse", "pab"):
        covered = {dep for r in by_type(dev, T[kind]) for dep in r["propertyDependencies"].get("bucket", [])}
        assert covered == bucket_urns, kind
    for type_token in (
        "aws:kms/key:Key",
        "aws:ec2/vpc:Vpc",
        "aws:cloudfront/distribution:Distribution",
        "aws:budgets/budget:Budget",
        "aws:cloudwatch/metricAlarm:MetricAlarm",
    ):
        assert by_type(dev, type_token), type_token
    assert len(by_type(dev, T["lt"])) == len(by_type(dev, T["asg"])) == 3
    assert len(by_type(dev, "aws:lambda/function:Function")) == 3
    assert all(lt["props"]["metadataOptions"]["httpTokens"] == "required" for lt in by_type(dev, T["lt"]))


def test_json_records_document_parent_props_protect_and_dependencies(dev_json):
    record = by_type(dev_json, T["lt"])[0]
    assert set(record) >= {"urn", "type", "name", "parent", "props", "protect", "dependencies", "propertyDependencies"}
    assert record["parent"].endswith("::qmoi-aws-compute")
    assert record["dependencies"]


@pytest.mark.usefixtures("reuse_plans")
def test_prod_plan_protects_every_stateful_bucket_and_key(capsys):
    code, out, _ = run_cli(capsys, "plan", "--stack", "prod", "--format", "json")
    assert code == 0
    prod = json.loads(out)
    stateful = [r for r in by_type(prod, T["bucket"]) if not r["name"].endswith(("-caches", "-media"))]
    stateful += by_type(prod, "aws:kms/key:Key")
    assert stateful and all(r["protect"] and r["retainOnDelete"] for r in stateful)


@pytest.mark.usefixtures("reuse_plans")
@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_staging_and_prod_text_plans_succeed(capsys, stack):
    code, out, _ = run_cli(capsys, "plan", "--stack", stack)
    assert code == 0
    assert f"stack {stack}" in out and "resources" in out


@pytest.mark.usefixtures("reuse_plans")
def test_markdown_format_renders_a_resource_table(capsys):
    code, out, _ = run_cli(capsys, "plan", "--stack", "staging", "--format", "markdown")
    assert code == 0
    assert "`aws:autoscaling/group:Group`" in out


def write_stack(tmp_path: Path, mutate) -> Path:
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    mutate(document["config"])
    path = tmp_path / "Pulumi.dev.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_a_typo_in_a_stack_file_exits_2_naming_the_key(capsys, tmp_path):
    def typo(config):
        config["qmoi-cloud:aws"]["ec2_instance"] = config["qmoi-cloud:aws"].pop("ec2_instances")

    code, out, err = run_cli(capsys, "plan", "--stack", "dev", "--stack-file", str(write_stack(tmp_path, typo)))
    assert code == 2 and out == ""
    assert "aws.ec2_instance: unknown key" in err
    assert "Traceback" not in err


def test_an_unknown_instance_type_exits_2_naming_the_key(capsys, tmp_path):
    def bad_size(config):
        config["qmoi-cloud:aws"]["ec2_instances"]["memory"] = "r5.huge"

    code, _, err = run_cli(capsys, "plan", "--stack", "dev", "--stack-file", str(write_stack(tmp_path, bad_size)))
    assert code == 2
    assert "aws.ec2_instances.memory: 'r5.huge' is not an instance size of aws" in err


def test_a_plaintext_credential_is_refused(capsys, tmp_path):
    def leak(config):
        config["cloudflare:apiToken"] = "plain-text-token"

    code, _, err = run_cli(capsys, "plan", "--stack", "dev", "--stack-file", str(write_stack(tmp_path, leak)))
    assert code == 2
    assert "cloudflare:apiToken: a credential must not be plain text" in err
    assert "plain-text-token" not in err


@pytest.mark.usefixtures("reuse_plans")
def test_a_secure_value_is_passed_as_a_secret_and_never_printed(capsys, tmp_path):
    def secret(config):
        config["qmoi-cloud:alert_webhook_url"] = {"secure": "v1:c2VjcmV0LWNpcGhl:c2VjcmV0LWNpcGhlcnRleHQ="}

    code, out, _ = run_cli(
        capsys, "plan", "--stack", "dev", "--stack-file", str(write_stack(tmp_path, secret)), "--format", "json"
    )
    assert code == 0
    assert "c2VjcmV0LWNpcGhlcnRleHQ" not in out


def test_a_missing_stack_file_exits_2(capsys):
    code, _, err = run_cli(capsys, "plan", "--stack", "qa")
    assert code == 2 and "no stack file Pulumi.qa.yaml" in err


def test_planning_the_same_stack_twice_gives_identical_json(stack_plan):
    from infra.plan.runner import plan_stack

    first = json.dumps(stack_plan("staging").to_json(), default=str)
    assert json.dumps(plan_stack("staging").to_json(), default=str) == first


def test_version_names_the_project_the_plan_schema_and_the_policy_pack(capsys):
    import tomllib

    code, out, err = run_cli(capsys, "--version")
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    pack = yaml.safe_load((ROOT / "policy" / "PulumiPolicy.yaml").read_text())["version"]
    assert code == 0 and err == ""
    assert out.startswith(f"qmoi-cloud {version} (plan JSON schema 2; policy pack {pack}; pulumi 3.")


def test_the_json_plan_carries_its_schema_version_and_no_absolute_path(dev_json):
    assert dev_json["schemaVersion"] == 2
    assert str(ROOT) not in json.dumps(dev_json)


def aws_only_stack(tmp_path: Path) -> Path:
    def aws_only(config):
        for key, block in config.items():
            if isinstance(block, dict) and "enabled" in block and key != "qmoi-cloud:aws":
                block["enabled"] = False

    return write_stack(tmp_path, aws_only)


@pytest.mark.usefixtures("reuse_plans")
def test_check_in_json_writes_only_the_verdicts_document_to_stdout(capsys, tmp_path):
    code, out, err = run_cli(
        capsys, "check", "--stack", "dev", "--stack-file", str(aws_only_stack(tmp_path)), "--format", "json"
    )
    document = json.loads(out)  # nothing but the document
    assert code == 0 and err == ""
    assert document["stack"] == "dev" and document["passed"] is True
    assert document["resourcesChecked"] > 50 and document["summary"].startswith("checked ")


def test_policies_in_json_list_every_rule_with_its_metadata(capsys):
    from policy.rules import RULES

    code, out, _ = run_cli(capsys, "policies", "--format", "json")
    rules = json.loads(out)
    assert code == 0 and [r["name"] for r in rules] == [r.name for r in RULES]
    budget = next(r for r in rules if r["name"] == "estimated-cost-within-budget")
    assert budget["area"] == "budgets" and budget["severity"] == "high" and budget["cannotSee"]


def test_all_stacks_json_carries_each_stacks_count_and_the_conflicts():
    from infra.check.all_stacks import AllStacksReport, Conflict
    from infra.check.verdicts import PolicyReport
    from infra.report.policy import all_stacks_json

    report = AllStacksReport()
    report.reports["dev"] = PolicyReport(stack="dev", pack="p", resources_checked=3, policies_applied=1)
    report.resources["dev"] = 3
    report.conflicts = [Conflict("name", "bucket b", ("dev", "pr-1"), ("x", "y"))]
    document = json.loads(all_stacks_json(report))
    assert document["stacks"]["dev"]["resources"] == 3 and document["passed"] is False
    assert document["conflicts"] == [
        {"kind": "name", "what": "bucket b", "stacks": ["dev", "pr-1"], "resources": ["x", "y"]}
    ]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_on_a_terminal_which_provider_is_declared_and_how_many_resources(monkeypatch, tmp_path):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    stdout = io.StringIO()
    monkeypatch.setattr(sys, "stdout", stdout)
    code = main(["plan", "--stack", "dev", "--stack-file", str(aws_only_stack(tmp_path)), "--format", "json"])
    written = terminal.getvalue()
    count = json.loads(stdout.getvalue())["resourceCount"]
    assert code == 0
    assert "plan dev: declaring aws (" in written and f"policy pack: checking {count} resources" in written
    assert written.endswith("\r\x1b[K")  # the line is erased before the report
    assert "\r" not in stdout.getvalue()


def test_no_progress_is_written_when_stderr_is_not_a_terminal(capsys, tmp_path):
    code, out, err = run_cli(capsys, "cost", "--stack", "dev", "--stack-file", str(aws_only_stack(tmp_path)))
    assert code == 0 and err == "" and "monthly cost" in out


def test_every_report_counts_resources_the_same_way(dev_plan):
    from infra.report.plan import render_json, render_markdown, render_text

    count = dev_plan.resource_count
    assert count == sum(1 for r in dev_plan.resources if r.custom and not r.type.startswith("pulumi:providers:"))
    assert f"\n{count} resources, " in render_text(dev_plan)
    assert json.loads(render_json(dev_plan))["resourceCount"] == count
    assert f"\n\n{count} resources.\n" in render_markdown(dev_plan)
    tree_total = sum(int(line.split(" x ")[0]) for line in render_text(dev_plan).splitlines() if " x " in line)
    assert tree_total == count
