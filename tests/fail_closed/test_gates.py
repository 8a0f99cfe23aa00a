"""The cost gate fails closed in the CLI and the reports: an unpriced stack never passes, never shows $0."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.catalog import load_catalog
from infra.cli import main
from infra.config import load_stack_file
from infra.cost import estimate
from infra.plan.runner import plan_stack_file
from infra.report.compare import render_compare_markdown, render_compare_text
from infra.report.diff import diff_documents
from tests.fail_closed.conftest import only, shipped, write


def spotless_gpu_size() -> str:
    """An AWS GPU size the catalog prices on demand but not on spot (the review's prod tier change)."""
    rows = [
        r
        for r in load_catalog()
        if r.provider == "aws" and r.service == "instance" and r.region == "us-east-1" and r.gpu
    ]
    sizes = [r.sku for r in rows if r.spot_usd is None]
    if not sizes:
        pytest.skip("every AWS GPU size in the catalog has a spot price")
    return sizes[0]


def unpriced_stack(stack: str, tmp_path) -> str:
    document = only(shipped(stack), "aws")
    document["config"]["qmoi-cloud:aws"]["ec2_instances"]["gpu"] = spotless_gpu_size()  # the gpu tier is spot
    return str(write(tmp_path, document))


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_plan_does_not_exit_zero_when_the_cost_cannot_be_computed(capsys, tmp_path):
    code, out, err = run(capsys, "plan", "--stack", "dev", "--stack-file", unpriced_stack("dev", tmp_path))
    assert code == 3, err
    assert "NOT PRICED" in out and "no spot price" in out and "$0.00" not in out
    assert "no spot price" in err and "Traceback" not in err
    # dev's budget rules are advisory: the cost rule still says it could not evaluate
    assert "estimated-cost-within-budget: not evaluated" in out


def test_check_fails_a_prod_stack_whose_cost_cannot_be_computed(capsys, tmp_path):
    code, out, _ = run(capsys, "check", "--stack", "prod", "--stack-file", unpriced_stack("prod", tmp_path))
    assert code == 1
    assert "MANDATORY estimated-cost-within-budget: not evaluated: the cost model could not price" in out


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
