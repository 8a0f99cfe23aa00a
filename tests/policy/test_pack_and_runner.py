"""The pack's entry point, its config files, the shipped stacks, and the CLI: check and plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from components.specs import STATEFUL_CLASSES
from infra.check import POLICY_DIR, config_path, evaluate, render_pack_config
from infra.cli import main
from infra.config import ROOT, load_stack_file, validate
from infra.report.policy import rules_table
from policy.rules import PACK_NAME, RULES
from policy.rules.base import STATEFUL_BUCKET_CLASSES
from tests.conftest import SHIPPED_STACKS


def test_the_pack_entry_point_serves_every_rule_with_its_level_and_severity(pack):
    assert pack.info.name == PACK_NAME
    served = {p.name: p for p in pack.info.policies}
    assert list(served) == [r.name for r in RULES]
    for rule in RULES:
        assert served[rule.name].severity != 0, rule.name
        assert served[rule.name].description == rule.description


def test_the_pack_is_a_python_policy_pack_pinned_like_the_project():
    manifest = yaml.safe_load((POLICY_DIR / "PulumiPolicy.yaml").read_text())
    assert manifest["runtime"] == "python"

    def pins(path: Path) -> set[str]:
        return {line.lower().replace("_", "-") for line in path.read_text().splitlines() if "==" in line}

    assert pins(POLICY_DIR / "requirements.txt") <= pins(ROOT / "requirements.txt")
    assert "PolicyPack(" in (POLICY_DIR / "__main__.py").read_text()


def test_the_packs_stateful_classes_are_the_components_ones():
    assert {c.value for c in STATEFUL_CLASSES} == STATEFUL_BUCKET_CLASSES


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_the_committed_pack_config_matches_the_stack_file(stack):
    stack_file = load_stack_file(stack)
    expected = render_pack_config(validate(stack_file.platform, stack))
    assert config_path(stack).read_text() == expected, "run: python -m infra policies --write-config"
    levels = {v.get("enforcementLevel") for v in json.loads(expected).values()} - {None}
    assert levels == {"advisory" if stack == "dev" else "mandatory"}


def test_docs_table_is_generated_from_the_rules():
    docs = (ROOT / "docs" / "policy.md").read_text()
    assert rules_table() in docs, "regenerate: python -m infra policies --format markdown"


@pytest.mark.parametrize("stack", ["dev", "staging"])
def test_a_shipped_stack_passes_the_pack_with_no_mandatory_violation(stack_plan, stack):
    report = evaluate(stack_plan(stack))
    assert report.resources_checked == sum(1 for _ in stack_plan(stack).custom())
    assert report.mandatory == [], [f"{v.policy} {v.resource}: {v.detail}" for v in report.mandatory]


@pytest.mark.usefixtures("reuse_plans")
def test_check_on_prod_exits_zero_with_the_summary_line(capsys):
    assert main(["check", "--stack", "prod"]) == 0
    out = capsys.readouterr().out
    summary = out.strip().splitlines()[-1]
    from policy.rules import RULES

    assert summary.startswith("checked ")
    assert f" resources against {len(RULES)} policies: 0 mandatory violations, " in summary


@pytest.mark.usefixtures("reuse_plans")
def test_plan_fails_naming_the_rule_and_bucket_when_a_stack_file_turns_off_encryption(tmp_path: Path, capsys):
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    document["config"]["qmoi-cloud:storage"] = {"caches": {"versioning": False, "encryption": False}}
    weakened = tmp_path / "Pulumi.dev.yaml"
    weakened.write_text(yaml.safe_dump(document))
    assert main(["plan", "--stack", "dev", "--stack-file", str(weakened), "--format", "json"]) == 1
    policy = json.loads(capsys.readouterr().out)["policy"]
    failing = [v for v in policy["violations"] if v["level"] == "mandatory"]
    assert {(v["policy"], v["resource"]) for v in failing} >= {("s3-bucket-encryption", "qmoi-aws-storage-caches")}
    assert policy["passed"] is False
