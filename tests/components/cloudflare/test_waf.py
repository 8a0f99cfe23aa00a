"""Cloudflare WAF: managed rulesets and a rate limit on the zones the stack owns, within the zone plan."""

from __future__ import annotations

import pytest

from components.cloudflare.waf import (
    CLOUDFLARE_MANAGED_RULESET,
    FREE_MANAGED_RULESET,
    OWASP_CORE_RULESET,
    CloudflareWaf,
    CloudflareWafArgs,
)
from components.context import StackContext
from infra.config import CloudflareZone, WafMode

ZONE = CloudflareZone(name="qmoi.ai", zone_id="3b7e1f9a2c4d6e8f0a1b2c3d4e5f6071")
CTX = StackContext("prod", {"environment": "prod"}, True, 90, ("a@example.com",))


def test_only_the_zone_owner_declares_the_waf_entry_points(dev_plan, prod_plan):
    phases = {r.inputs["phase"] for r in prod_plan.of_type("cloudflare:index/ruleset:Ruleset")}
    assert {"http_request_firewall_managed", "http_ratelimit"} <= phases
    dev_phases = {r.inputs["phase"] for r in dev_plan.of_type("cloudflare:index/ruleset:Ruleset")}
    assert not dev_phases & {"http_request_firewall_managed", "http_ratelimit"}


def test_free_zones_run_the_free_managed_ruleset_and_a_ten_second_rate_limit(prod_plan):
    managed = [r for r in prod_plan.of_type("cloudflare:index/ruleset:Ruleset") if "managed" in r.name]
    assert len(managed) == 2  # one per zone
    for ruleset in managed:
        (rule,) = ruleset.inputs["rules"]
        assert (rule["action"], rule["actionParameters"]["id"]) == ("execute", FREE_MANAGED_RULESET)
        assert "overrides" not in rule["actionParameters"]  # block mode: the managed rules' own actions
    (limit,) = prod_plan.named("qmoi-cloudflare-waf-qmoi-ai-rate-limit").inputs["rules"]
    assert limit["action"] == "block"
    assert limit["ratelimit"] == {
        "characteristics": ["ip.src", "cf.colo.id"],
        "period": 10,
        "requestsPerPeriod": 100,
        "mitigationTimeout": 10,
    }


@pytest.mark.parametrize(
    ("plan", "mode", "override"), [("pro", WafMode.block, None), ("enterprise", WafMode.count, "log")]
)
def test_paid_zones_run_the_managed_and_owasp_rulesets_and_enterprise_can_log_only(
    record_component, plan: str, mode: WafMode, override: str | None
):
    recorded = record_component(
        lambda: CloudflareWaf("waf", CloudflareWafArgs([ZONE], plan, mode, 1200), CTX), stack="prod"
    )
    rules = recorded.named("waf-qmoi-ai-managed").inputs["rules"]
    assert [r["actionParameters"]["id"] for r in rules] == [CLOUDFLARE_MANAGED_RULESET, OWASP_CORE_RULESET]
    assert {(r["actionParameters"].get("overrides") or {}).get("action") for r in rules} == {override}
    (limit,) = recorded.named("waf-qmoi-ai-rate-limit").inputs["rules"]
    assert (limit["ratelimit"]["period"], limit["ratelimit"]["requestsPerPeriod"]) == (60, 1200)
