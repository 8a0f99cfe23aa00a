"""Stacks side by side: a review copy of dev, and `python -m infra check --all-stacks`.

A copy of Pulumi.dev.yaml saved as Pulumi.pr-42.yaml plans, passes the pack and shares no
globally, account- or zone-unique name with dev; the check of all stacks passes on the shipped
stacks and fails, naming both stacks and the resource, on a stack file that collides.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from infra.check import evaluate
from infra.check.all_stacks import AllStacksReport, Conflict, check_all, conflicts
from infra.check.pack_config import stack_names
from infra.plan.records import Plan, ResourceRecord
from tests.conftest import ROOT


def test_a_copy_of_dev_plans_as_a_review_stack_with_the_dev_profile(review_stack, dev_plan):
    _, plan = review_stack
    assert plan.config.environment.value == "dev" and plan.config.stack == "pr-42"
    assert plan.config.autoscaling == dev_plan.config.autoscaling


def test_a_copy_of_dev_shares_no_unique_name_with_dev(review_stack, dev_plan):
    _, plan = review_stack
    assert conflicts({"dev": dev_plan, "pr-42": plan}) == []


def test_a_copy_of_dev_passes_the_policy_pack(review_stack):
    stack_file, plan = review_stack
    report = evaluate(plan, stack_file)
    assert report.passed, [v.detail for v in report.mandatory]
    assert "names-derive-from-stack" not in report.not_evaluated


def test_a_copy_of_dev_leaves_zone_settings_to_their_owner_and_proxies_its_own_hostnames(review_stack):
    _, plan = review_stack
    assert plan.of_type("cloudflare:index/zoneSetting:ZoneSetting") == []
    token = plan.config.names.token
    records = {
        r.inputs["name"] for r in plan.of_type("cloudflare:index/dnsRecord:DnsRecord") if r.inputs.get("proxied")
    }
    assert records == {f"www-dev-{token}.qmoi.ai", f"api-dev-{token}.qmoi.cloud"}


def test_the_shipped_stacks_are_every_stack_file_of_the_repository():
    assert stack_names() == ["dev", "prod", "staging"]


def test_the_shipped_stacks_have_no_conflicts_between_them(stack_plan):
    assert conflicts({s: stack_plan(s) for s in ("dev", "staging", "prod")}) == []


@pytest.fixture(scope="module")
def colliding(tmp_path_factory) -> Path:
    """A staging stack file with two copy-paste mistakes: prod's proxied hostname, and a claim on the zones."""
    document = yaml.safe_load((ROOT / "Pulumi.staging.yaml").read_text())
    cloudflare = document["config"]["qmoi-cloud:cloudflare"]
    cloudflare["zones"][0]["hostnames"] = ["www.qmoi.ai"]
    cloudflare["zone_settings_owner"] = "staging"
    # a zone owner blocks (count mode needs Enterprise zones; validation says so), as prod does
    document["config"]["qmoi-cloud:waf"] = {"mode": "block"}
    path = tmp_path_factory.mktemp("colliding") / "Pulumi.staging.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


@pytest.mark.usefixtures("reuse_plans")
def test_check_all_stacks_fails_on_a_colliding_file_naming_both_stacks_and_the_resource(stack_plan, colliding):
    report = check_all(["prod"], extra={"staging": colliding}, plans={"prod": stack_plan("prod")})
    assert set(report.reports) == {"prod", "staging"}
    assert all(r.resources_checked > 200 for r in report.reports.values())
    (name,) = [c.describe() for c in report.conflicts if c.what.startswith("DnsRecord")]
    assert name.startswith("name: DnsRecord 'www.qmoi.ai' (zone 3b7e1f9a2c4d6e8f0a1b2c3d4e5f6071-unique): stack prod (")
    assert name.endswith("and stack staging (qmoi-cloudflare-dns-www-qmoi-ai)")
    assert any(c.what.startswith("WorkersRoute 'www.qmoi.ai/*'") for c in report.conflicts)
    assert any(c.kind == "zone singleton" and set(c.stacks) == {"prod", "staging"} for c in report.conflicts)
    assert not report.passed
    # one pack judged each stack with its own configuration; each one alone passes (both think they own
    # the zones): only the stacks side by side show the conflict
    assert report.reports["prod"].passed and report.reports["staging"].passed
    assert report.reports["staging"].stack == "staging"
    assert "estimated-cost-within-budget" not in report.reports["staging"].not_evaluated


def vpc_plan(stack: str, ip_range: str) -> Plan:
    vpc = ResourceRecord(
        urn=f"urn:pulumi:{stack}::qmoi-cloud::digitalocean:index/vpc:Vpc::vpc",
        type="digitalocean:index/vpc:Vpc",
        name="vpc",
        parent=None,
        custom=True,
        protect=False,
        retain_on_delete=False,
        provider=None,
        dependencies=[],
        property_dependencies={},
        inputs={"name": f"qmoi-{stack}-nyc3", "ipRange": ip_range, "region": "nyc3"},
    )
    return Plan(stack=stack, resources=[vpc])


def test_overlapping_pinned_vpc_ranges_in_two_stacks_conflict():
    found = conflicts({"a": vpc_plan("a", "10.50.0.0/20"), "b": vpc_plan("b", "10.50.8.0/21")})
    (overlap,) = found
    assert overlap.kind == "network" and overlap.stacks == ("a", "b")
    assert "10.50.0.0/20 overlaps 10.50.8.0/21" in overlap.what
    assert conflicts({"a": vpc_plan("a", "10.50.0.0/20"), "b": vpc_plan("b", "10.51.0.0/20")}) == []


@pytest.mark.usefixtures("reuse_plans")
def test_the_cli_exits_1_on_a_conflict_and_names_both_stacks(monkeypatch, capsys):
    from infra import cli
    from infra.check import all_stacks

    report = AllStacksReport(conflicts=[Conflict("name", "R2Bucket 'x' (account-unique)", ("dev", "pr-1"), ("a", "b"))])
    monkeypatch.setattr(all_stacks, "check_all", lambda: report)
    assert cli.main(["check", "--all-stacks"]) == 1
    out = capsys.readouterr().out
    assert "CONFLICT  name: R2Bucket 'x' (account-unique): stack dev (a) and stack pr-1 (b)" in out
