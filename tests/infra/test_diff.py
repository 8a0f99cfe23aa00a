"""Comparing two plan documents, and the pull-request comment rendered from the comparison."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infra.cli import compare
from infra.plan import Plan
from infra.report.compare import COMMENT_LIMIT, render_compare_markdown
from infra.report.diff import ADDED, CHANGED, REMOVED, diff_documents
from infra.report.plan import plan_document


def document(resources: dict[str, tuple[dict[str, Any], float]], stack: str = "dev") -> dict[str, Any]:
    """A plan document: resource name -> (props, monthly cost)."""
    urn = "urn:pulumi:{}::qmoi-cloud::aws:ec2/instance:Instance::{}".format
    return {
        "stack": stack,
        "resources": [
            {"urn": urn(stack, n), "type": "aws:ec2/instance:Instance", "name": n, "custom": True, "props": p}
            for n, (p, _) in resources.items()
        ],
        "cost": {
            "monthlyTotal": sum(c for _, c in resources.values()),
            "byProvider": {"aws": sum(c for _, c in resources.values())},
            "budget": {"monthlyUsd": 2500, "headroomUsd": 2500 - sum(c for _, c in resources.values())},
            "resources": {urn(stack, n): {"monthly": c} for n, (_, c) in resources.items()},
        },
    }


BASE = document(
    {
        "web": ({"instanceType": "t3.large", "tags": {"owner": "a"}}, 60.74),
        "old": ({"instanceType": "t3.medium"}, 30.37),
    }
)


def test_the_diff_of_identical_plans_is_empty_and_costs_nothing() -> None:
    diff = diff_documents(BASE, copy.deepcopy(BASE))
    assert diff.is_empty and not (diff.added or diff.removed or diff.changed)
    assert diff.delta == 0
    assert diff.headline() == "monthly cost unchanged ($91.11)"


def test_added_removed_and_changed_resources_are_found_by_urn_with_their_properties() -> None:
    head = document(
        {
            "web": ({"instanceType": "t3.xlarge", "tags": {"owner": "a"}}, 121.47),
            "new": ({"instanceType": "t3.large"}, 60.74),
        }
    )
    diff = diff_documents(BASE, head)
    assert [(c.name, c.kind) for c in diff.added + diff.removed + diff.changed] == [
        ("new", ADDED),
        ("old", REMOVED),
        ("web", CHANGED),
    ]
    (change,) = diff.changed
    assert [(p.path, p.before, p.after) for p in change.properties] == [("instanceType", "t3.large", "t3.xlarge")]
    assert change.cost_delta == pytest.approx(60.73)
    assert diff.delta == pytest.approx(121.47 + 60.74 - 91.11)
    assert diff.headline().startswith("monthly cost will increase by $91.10 (+100.0%)")


def test_a_cheaper_plan_reads_as_a_decrease() -> None:
    head = document({"web": ({"instanceType": "t3.large", "tags": {"owner": "a"}}, 60.74)})
    assert diff_documents(BASE, head).headline().startswith("monthly cost will decrease by $30.37 (-33.3%)")


def test_the_pr_comment_of_a_huge_diff_fits_githubs_limit_and_keeps_the_headline() -> None:
    props = {f"setting{i}": "x" * 200 for i in range(40)}
    head = document({f"r{i:05d}": (props, 10.0) for i in range(3000)})
    diff = diff_documents(BASE, head)
    text = render_compare_markdown(diff)
    assert len(text) <= COMMENT_LIMIT
    assert text.startswith(f"### qmoi-cloud `dev`: {diff.headline()}")
    assert "monthly cost will increase by $29,908.89" in text
    assert "…and 29" in text  # long lists are summarised, not cut


def test_the_pr_comment_shows_cost_per_provider_and_policy_verdicts() -> None:
    head = document({"web": ({"instanceType": "t3.xlarge", "tags": {"owner": "a"}}, 121.47)})
    head["policy"] = {
        "passed": False,
        "mandatory": 1,
        "advisory": 0,
        "violations": [{"policy": "no-public-buckets", "level": "mandatory", "resource": "web", "message": "public"}],
    }
    text = render_compare_markdown(diff_documents(BASE, head))
    assert "| aws | $91.11 | $121.47 | +$30.36 |" in text
    assert "#### Policy: FAILED" in text and "`no-public-buckets`" in text
    assert "`instanceType`: `t3.large` → `t3.xlarge`" in text


def test_a_shipped_plan_compared_with_its_own_json_is_unchanged(stack_plan: Callable[[str], Plan]) -> None:
    doc = plan_document(stack_plan("dev"))
    assert doc["cost"]["monthlyTotal"] > 0
    assert diff_documents(doc, copy.deepcopy(doc)).is_empty


def test_compare_reads_the_base_json_from_a_file_and_renders_the_requested_format(tmp_path: Path) -> None:
    base = tmp_path / "base.json"
    base.write_text(json.dumps(BASE), encoding="utf-8")
    head = document({"web": ({"instanceType": "t3.large", "tags": {"owner": "b"}}, 60.74)})
    text = compare(base, json.dumps(head), "text")
    assert (
        text.splitlines()[0] == "qmoi-cloud dev: monthly cost will decrease by $30.37 (-33.3%), from $91.11 to $60.74"
    )
    assert "~ web (aws:ec2/instance:Instance) +$0.00/month" in text and "tags.owner: 'a' -> 'b'" in text
    assert json.loads(compare(base, json.dumps(head), "json"))["costDelta"] == pytest.approx(-30.37)
