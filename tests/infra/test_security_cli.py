"""Security operations end to end: the CLI fails a prod stack file that turns them off, naming each rule;
a compliance profile below its minimum is a configuration error; two stacks claiming the account's
singletons conflict; the new resources are priced or listed as NOT PRICED, never $0."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from infra.check.all_stacks import conflicts
from infra.cli import main
from infra.cost import estimate
from infra.plan import Plan
from tests.fail_closed.conftest import only, shipped, write


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.usefixtures("reuse_plans")
def test_a_prod_stack_file_turning_each_capability_off_fails_check_naming_the_rule(capsys, tmp_path):
    document = only(shipped("prod"), "aws")
    for block in ("audit", "threat_detection", "waf", "backup"):
        document["config"][f"qmoi-cloud:{block}"] = {"enabled": False}
    code, out, err = run(capsys, "check", "--stack", "prod", "--stack-file", str(write(tmp_path, document)))
    assert code == 1, err
    failed = {line.split(":", 1)[0].split()[-1] for line in out.splitlines() if "MANDATORY" in line}
    assert {"audit-trail-enabled", "threat-detection-enabled", "waf-on-public-entry-points", "backup-vault-locked"} <= (
        failed
    )
    assert "aws: no CloudTrail trail in the stack that owns the account's audit trail" in out
    assert "qmoi-aws-cdn-distribution: the CloudFront distribution has no web ACL (webAclId)" in out


def test_a_setting_below_the_compliance_profile_is_exit_2_naming_the_key(capsys, tmp_path):
    document = shipped("prod")
    document["config"]["qmoi-cloud:compliance"] = "hipaa"
    document["config"]["qmoi-cloud:audit"] = {"retention_days": 365}
    code, _, err = run(capsys, "check", "--stack", "prod", "--stack-file", str(write(tmp_path, document)))
    assert code == 2
    assert "audit.retention_days: 365 is below the hipaa minimum of 2190" in err
    assert "azure.enabled: customer-managed keys for Azure storage are not implemented here" in err


def renamed(plan: Plan, stack: str) -> Plan:
    resources = [
        dataclasses.replace(r, urn=r.urn.replace(f"urn:pulumi:{plan.stack}::", f"urn:pulumi:{stack}::"))
        for r in plan.resources
    ]
    return dataclasses.replace(plan, stack=stack, resources=resources)


def test_two_stacks_declaring_the_account_singletons_conflict_unless_each_has_an_account(prod_plan):
    assert prod_plan.config is not None
    found = conflicts({"prod": prod_plan, "prod-eu": renamed(prod_plan, "prod-eu")})
    singletons = {c.what for c in found if c.kind == "account singleton"}
    assert "the account's GuardDuty detector" in singletons
    assert "the account's trail (the free copy of management events)" in singletons
    assert "/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333 Defender plan VirtualMachines" in singletons
    assert "project qmoi-enhanced-prod audit configuration of allServices" in singletons
    assert "subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333 cost anomaly alert" in singletons
    own = prod_plan.config.model_copy(
        update={
            "audit": prod_plan.config.audit.model_copy(update={"account_owner": "*", "project_owner": "*"}),
            "threat_detection": prod_plan.config.threat_detection.model_copy(
                update={"account_owner": "*", "project_owner": "*"}
            ),
            "alerts": prod_plan.config.alerts.model_copy(update={"cost_anomaly_owner": "*"}),
        }
    )
    separate = {
        s: dataclasses.replace(p, config=own) for s, p in (("prod", prod_plan), ("eu", renamed(prod_plan, "eu")))
    }
    assert [c for c in conflicts(separate) if c.kind == "account singleton"] == []


def test_each_environment_declares_its_own_gcp_project_s_singletons_without_a_conflict(
    dev_plan, staging_plan, prod_plan
):
    plans = {"dev": dev_plan, "staging": staging_plan, "prod": prod_plan}
    audit = {
        p.inputs["project"]
        for plan in plans.values()
        for p in plan.of_type("gcp:projects/iAMAuditConfig:IAMAuditConfig")
    }
    assert audit == {"qmoi-enhanced-dev", "qmoi-enhanced-staging", "qmoi-enhanced-prod"}
    assert [c.describe() for c in conflicts(plans) if c.kind == "account singleton"] == []


@pytest.fixture(scope="module")
def prod_cost(prod_plan) -> Any:
    return estimate(prod_plan)


def test_defender_for_storage_lists_malware_scanning_up_to_its_cap_as_a_charge_not_zero(prod_cost):
    found = {i.label: i for i in items_of(prod_cost, "azure-native:security:Pricing")}
    scanning = found[
        "malware scanning on upload: up to 50 GB a month on each of this stack's 3 account(s) (and every other "
        "of the subscription)"
    ]
    assert scanning.unpriced and scanning.monthly_usd == 0
    assert "NOT PRICED: malware scanning on upload is billed per GB scanned" in scanning.unpriced


def items_of(cost: Any, token: str) -> list[Any]:
    return [i for r in cost.resources if r.type == token for i in r.items]


def test_the_web_acl_is_priced_per_acl_rule_and_inspected_request(prod_cost):
    labels = {i.label: i.monthly_usd for i in items_of(prod_cost, "aws:wafv2/webAcl:WebAcl")}
    assert labels == {
        "web ACL": 5.0,
        "5 rules (managed groups count one each)": 5.0,
        "10 M requests inspected": pytest.approx(6.0),
    }


def test_security_charges_without_two_agreeing_sources_are_not_priced_never_zero(prod_cost):
    for token in (
        "aws:guardduty/detector:Detector",
        "aws:securityhub/account:Account",
        "aws:backup/selection:Selection",
        "gcp:compute/securityPolicy:SecurityPolicy",
        "azure-native:security:Pricing",
        "azure-native:frontdoor:Policy",
        "azure-native:dataprotection:BackupInstance",
    ):
        found = items_of(prod_cost, token)
        assert found and all(i.unpriced and i.monthly_usd == 0 for i in found), token
    (selection,) = items_of(prod_cost, "aws:backup/selection:Selection")
    assert selection.label == "350 GB of S3 backups (warm storage)"  # artifacts 50 + backups 200 + media 100
    (config,) = items_of(prod_cost, "aws:cfg/recorder:Recorder")
    assert config.monthly_usd == pytest.approx(2000 * 0.003)
    trail = next(r for r in prod_cost.resources if r.type == "aws:cloudtrail/trail:Trail")
    assert trail.items == () and trail.free_reason  # the first copy of management events is free
