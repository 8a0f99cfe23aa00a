"""Gates fail closed, through the real pack: what a rule cannot evaluate is a violation, never a pass.

The review found the budget rule passing a stack the cost model could not price, and the prod
protection rule silent when the pack ran without its per-stack config.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from infra.check import PolicyPackServer, evaluate_records, pack_config
from infra.config import load_stack_file
from infra.plan.records import ResourceRecord
from infra.plan.runner import plan_stack_file
from tests.conftest import ROOT
from tests.policy.conftest import TAGS, check, record

BUCKET = "aws:s3/bucket:Bucket"
UNPRICED_TYPE = "aws:nosuchservice/widget:Widget"


def prod_bucket(protect: bool, tags: dict[str, str] | None = TAGS) -> ResourceRecord:
    props: dict[str, Any] = {"bucket": "qmoi-prod-backups"}
    if tags is not None:
        props["tags"] = tags | {"bucket-class": "backups"}
    return record(BUCKET, "b-backups", props, protect=protect)


def protection(pack, *records: ResourceRecord) -> list[str]:
    """The prod-protection verdicts when the pack config says nothing about the environment."""
    report = check(pack, *records, config={"prod-stateful-protected": {}})
    return [f"{v.level} {v.detail}" for v in report.violations if v.policy == "prod-stateful-protected"]


def test_without_the_environment_in_the_pack_config_prod_is_taken_from_the_tags(pack):
    assert protection(pack, prod_bucket(protect=False)) == [
        "mandatory b-backups: stateful resource in prod without protect (and retain_on_delete)"
    ]
    assert protection(pack, prod_bucket(protect=True)) == []


def test_a_dev_tagged_stack_without_the_environment_in_the_pack_config_passes(pack):
    assert protection(pack, prod_bucket(protect=False, tags=TAGS | {"environment": "dev"})) == []


def test_prod_protection_fails_when_nothing_tells_the_environment(pack):
    [verdict] = protection(pack, prod_bucket(protect=False, tags=None))
    assert verdict.startswith("mandatory not evaluated: the environment is not in the pack config")


def aws_only_prod(tmp_path) -> Any:
    document = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    for name in ("gcp", "azure", "cloudflare", "digitalocean"):
        document["config"][f"qmoi-cloud:{name}"]["enabled"] = False
    path = tmp_path / "Pulumi.prod.yaml"
    path.write_text(yaml.safe_dump(document))
    return load_stack_file("prod", path)


@pytest.fixture(scope="module")
def prod_pack(tmp_path_factory) -> Any:
    """A small prod stack's plan, and the pack started with that stack's configuration (as the CLI does)."""
    stack_file = aws_only_prod(tmp_path_factory.mktemp("prod"))
    plan = plan_stack_file(stack_file)
    with PolicyPackServer("prod", stack_file.config, stack_file.secret_keys) as server:
        yield plan, server


def test_the_budget_rule_passes_a_priced_prod_stack(prod_pack):
    plan, server = prod_pack
    report = evaluate_records(server, "prod", plan.resources, pack_config(plan.config))
    assert not [v for v in report.violations if v.policy == "estimated-cost-within-budget"]


def test_the_budget_rule_fails_a_stack_it_cannot_price_naming_what(prod_pack):
    plan, server = prod_pack
    unpriced = record(UNPRICED_TYPE, "widget", {"tags": TAGS})
    report = evaluate_records(server, "prod", [*plan.resources, unpriced], pack_config(plan.config))
    [verdict] = [v for v in report.violations if v.policy == "estimated-cost-within-budget"]
    assert verdict.level == "mandatory"
    assert "could not price" in verdict.detail and UNPRICED_TYPE in verdict.detail and "widget" in verdict.detail
    assert not report.passed and "estimated-cost-within-budget" not in report.not_evaluated


def test_the_budget_rules_take_the_budget_from_the_stack_without_a_pack_config(prod_pack):
    plan, server = prod_pack
    report = evaluate_records(server, "prod", plan.resources, {})
    budget_verdicts = [v for v in report.violations if v.policy.startswith(("budget-", "estimated-cost"))]
    assert budget_verdicts == [], [v.detail for v in budget_verdicts]
    assert report.not_evaluated == {}  # evaluated against the stack's own budget, not skipped
