"""The cost gate fails closed in the CLI and the reports: an unpriced stack never passes, never shows $0."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.cli import main
from infra.config import load_stack_file
from infra.cost import estimate
from infra.cost.rules import aws as aws_rules
from infra.plan.runner import plan_stack_file
from infra.report.compare import render_compare_markdown, render_compare_text
from infra.report.diff import diff_documents
from tests.fail_closed.conftest import only, shipped, write


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.usefixtures("reuse_plans")
def test_plan_does_not_exit_zero_when_the_cost_cannot_be_computed(capsys, monkeypatch):
    # Since every existing size is priced or NOT PRICED, only a resource type the cost model does not know
    # stops it; remove the rule of one type the shipped stack declares (the plan itself is unchanged).
    monkeypatch.delitem(aws_rules.RULES, "aws:autoscaling/group:Group")
    code, out, err = run(capsys, "plan", "--stack", "dev")
    assert code == 3, err
    assert "monthly cost: NOT PRICED: the cost model cannot price this stack" in out
    assert "monthly cost: $" not in out and "monthly cost: at least $" not in out
    assert "aws:autoscaling/group:Group" in err and "Traceback" not in err


def allowance_stack(tmp_path, allowance: float | None, budget: float | None = None) -> str:
    document = shipped("prod")
    block = document["config"]["qmoi-cloud:budget"]
    block.pop("unpriced_allowance_usd", None)
    if allowance is not None:
        block["unpriced_allowance_usd"] = allowance
    if budget is not None:
        block["monthly_usd"] = budget
    return str(write(tmp_path, document))


@pytest.mark.usefixtures("reuse_plans")
def test_check_fails_a_prod_stack_with_charges_it_cannot_price_and_no_allowance_for_them(capsys, tmp_path):
    code, out, _ = run(capsys, "check", "--stack", "prod", "--stack-file", allowance_stack(tmp_path, None))
    assert code == 1
    line = next(x for x in out.splitlines() if "estimated-cost-within-budget" in x)
    assert "MANDATORY" in line and "are NOT PRICED" in line and "cannot be shown within the budget" in line
    assert "Not priced: aws " in line  # what could not be priced is named (the list is cut for the terminal)


@pytest.mark.usefixtures("reuse_plans")
def test_an_allowance_for_the_unpriced_charges_passes_only_while_it_fits_the_budget(capsys, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    code, out, _ = run(capsys, "check", "--stack", "prod", "--stack-file", allowance_stack(tmp_path / "a", 150))
    assert code == 0, out
    code, out, _ = run(
        capsys, "check", "--stack", "prod", "--stack-file", allowance_stack(tmp_path / "b", 150, budget=10800)
    )
    assert code == 1
    # the verdict comes first, the NOT PRICED kinds last (a terminal cuts the line, and the list grows)
    assert "plus the 150.00 USD allowed for" in out and " exceeds" in out


def test_cors_origins_on_every_bucket_class_is_priced(tmp_path):
    document = only(shipped("dev"), "aws")
    document["config"]["qmoi-cloud:storage"] = {
        c: {"cors_origins": ["https://app.qmoi.ai"]} for c in ("artifacts", "caches", "backups", "media")
    }
    plan = plan_stack_file(load_stack_file("dev", write(tmp_path, document)))
    assert plan.of_type("aws:s3/bucketCorsConfiguration:BucketCorsConfiguration")
    assert estimate(plan).total_usd > 0


def plan_document(stack: str, cost: dict[str, Any], policy: dict[str, Any] | None = None) -> dict[str, Any]:
    urn = f"urn:pulumi:{stack}::qmoi-cloud::aws:ec2/instance:Instance::web"
    resource = {"urn": urn, "type": "aws:ec2/instance:Instance", "name": "web", "custom": True, "props": {}}
    document = {"project": "qmoi-cloud", "stack": stack, "resources": [resource], "cost": cost}
    return document | ({"policy": policy} if policy is not None else {})


PRICED = {
    "monthlyTotal": 10268.8,
    "byProvider": {"aws": 940.71, "gcp": 9328.09},
    "budget": {"monthlyUsd": 15000, "headroomUsd": 4731.2},
    "resources": {"urn:pulumi:prod::qmoi-cloud::aws:ec2/instance:Instance::web": {"monthly": 940.71}},
}
UNPRICED = {"error": ["qmoi-aws-compute-gpu-asg (aws:autoscaling/group:Group): no spot price for 'g4dn.2xlarge'"]}


def test_a_head_plan_without_a_cost_is_never_shown_as_zero_dollars():
    diff = diff_documents(plan_document("prod", PRICED), plan_document("prod", UNPRICED))
    markdown, text = render_compare_markdown(diff), render_compare_text(diff)
    for rendered in (markdown, text):
        assert "NOT PRICED" in rendered and "$0.00" not in rendered and "-$" not in rendered
    assert "no spot price" in markdown
    assert json.loads(json.dumps(diff.to_json()))["costAfter"] is None


def test_a_policy_block_that_does_not_say_passed_is_not_shown_as_passed():
    diff = diff_documents(plan_document("prod", PRICED), plan_document("prod", PRICED, policy={"violations": []}))
    assert "#### Policy: passed" not in render_compare_markdown(diff)
