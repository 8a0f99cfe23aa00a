"""GCP security operations as the shipped stacks declare them: audit config and sink, Cloud Armor, alert."""

from __future__ import annotations

from infra.plan import Plan
from infra.plan.records import ResourceRecord


def only(plan: Plan, token: str) -> ResourceRecord:
    (found,) = plan.of_type(token)
    return found


def test_prod_turns_on_data_access_logs_for_every_service(prod_plan):
    audit = only(prod_plan, "gcp:projects/iAMAuditConfig:IAMAuditConfig")
    assert (audit.inputs["project"], audit.inputs["service"]) == ("qmoi-enhanced-prod", "allServices")
    assert [c["logType"] for c in audit.inputs["auditLogConfigs"]] == ["ADMIN_READ", "DATA_WRITE"]


def test_every_audit_log_is_exported_to_a_locked_audit_bucket_the_sink_may_write(prod_plan):
    sink = only(prod_plan, "gcp:logging/projectSink:ProjectSink")
    assert sink.inputs["filter"] == 'logName:"cloudaudit.googleapis.com"'
    assert sink.inputs["destination"] == "storage.googleapis.com/qmoi-cloud-storage-prod-audit"
    assert sink.inputs["uniqueWriterIdentity"] is True
    bucket = prod_plan.named("qmoi-gcp-audit-bucket")
    assert bucket.inputs["retentionPolicy"] == {"retentionPeriod": str(365 * 86400), "isLocked": True}
    assert bucket.inputs["versioning"] == {"enabled": False}  # refused together with a retention policy
    assert bucket.inputs["publicAccessPrevention"] == "enforced" and bucket.protect
    grant = prod_plan.named("qmoi-gcp-audit-sink-writer")
    assert grant.inputs["role"] == "roles/storage.objectCreator"
    assert sink.urn in grant.property_dependencies["member"] and bucket.urn in grant.property_dependencies["bucket"]


def test_the_cdn_backend_bucket_has_an_edge_policy_that_previews_in_dev(dev_plan, prod_plan):
    for plan, preview in ((dev_plan, True), (prod_plan, False)):
        policy = only(plan, "gcp:compute/securityPolicy:SecurityPolicy")
        assert policy.inputs["type"] == "CLOUD_ARMOR_EDGE"
        assert "advancedOptionsConfig" not in policy.inputs
        backend = only(plan, "gcp:compute/backendBucket:BackendBucket")
        assert policy.urn in backend.property_dependencies["edgeSecurityPolicy"]
        (default,) = policy.inputs["rules"]  # nothing blocked by configuration: the default rule only
        assert (default["priority"], default["action"]) == (2147483647, "allow")
        assert not [r for r in policy.inputs["rules"] if r.get("preview") is not preview and r["priority"] < 2147483647]


def test_security_relevant_changes_alert_the_monitoring_channels(prod_plan):
    alert = prod_plan.named("qmoi-gcp-threat-detection-security-changes")
    (condition,) = alert.inputs["conditions"]
    log_filter = condition["conditionMatchedLog"]["filter"]
    assert log_filter.startswith('logName:"cloudaudit.googleapis.com%2Factivity"')
    for method in ("SetIamPolicy", "CreateServiceAccountKey", "compute.firewalls.insert", "DeleteSink"):
        assert method in log_filter
    channels = {c.urn for c in prod_plan.of_type("gcp:monitoring/notificationChannel:NotificationChannel")}
    assert set(alert.property_dependencies["notificationChannels"]) == channels
    assert alert.inputs["alertStrategy"]["notificationRateLimit"] == {"period": "300s"}


def test_each_environment_s_project_gets_its_own_audit_configuration_sink_and_alert(dev_plan, staging_plan):
    # Every environment has a GCP project of its own (gcp.project_id), unlike the AWS account and Azure
    # subscription the stacks share: each stack owns its project's audit singletons.
    for plan, project in ((dev_plan, "qmoi-enhanced-dev"), (staging_plan, "qmoi-enhanced-staging")):
        audit = only(plan, "gcp:projects/iAMAuditConfig:IAMAuditConfig")
        assert (audit.inputs["project"], audit.inputs["service"]) == (project, "allServices")
        sink = only(plan, "gcp:logging/projectSink:ProjectSink")
        assert sink.inputs["project"] == project
        assert sink.inputs["destination"] == f"storage.googleapis.com/qmoi-cloud-storage-{plan.stack}-audit"
        alert = plan.named("qmoi-gcp-threat-detection-security-changes")
        assert alert.inputs["project"] == project
        bucket = plan.named("qmoi-gcp-audit-bucket")
        assert bucket.inputs["retentionPolicy"]["isLocked"] is False  # only prod locks its audit logs
    # the AWS account and the Azure subscription stay prod's
    assert dev_plan.of_type("aws:cloudtrail/trail:Trail") == []
    assert dev_plan.of_type("azure-native:monitor:SubscriptionDiagnosticSetting") == []


def test_a_review_stack_shares_its_environment_s_project_and_declares_none_of_its_singletons(review_plan):
    assert review_plan.of_type("gcp:projects/iAMAuditConfig:IAMAuditConfig") == []
    assert review_plan.of_type("gcp:logging/projectSink:ProjectSink") == []


def test_blocked_ranges_and_countries_become_edge_rules(record_component):
    import pulumi_gcp  # noqa: F401 (the component's SDK, imported as the platform would)

    from components.context import StackContext
    from components.gcp.waf import GcpWaf, GcpWafArgs
    from infra.config import WafMode

    ctx = StackContext("prod", {"environment": "prod"}, True, 90, ("a@example.com",))
    cidrs = [f"198.51.100.{i}/32" for i in range(12)]
    plan = record_component(lambda: GcpWaf("waf", GcpWafArgs(WafMode.block, cidrs, ["KP", "IR"]), ctx), stack="prod")
    rules = plan.named("waf-edge-policy").inputs["rules"]
    ranges = [r["match"]["config"]["srcIpRanges"] for r in rules if r["priority"] < 2000]
    assert [len(r) for r in ranges] == [10, 2]  # at most 10 ranges per basic match condition
    (countries,) = [r for r in rules if r["priority"] == 2000]
    assert countries["match"]["expr"]["expression"] == "origin.region_code == 'KP' || origin.region_code == 'IR'"
    assert all(r["action"] == "deny(403)" and r["preview"] is False for r in rules if r["priority"] < 2147483647)


def test_behind_a_proxy_country_blocks_skip_the_proxy_s_own_addresses(record_component):
    # An edge policy judges the connecting address and has no forwarded-IP option (advanced options are
    # refused on edge policies): behind Cloudflare, a country block would hit a Cloudflare data centre's
    # country, not the client's. The proxy's ranges are allowed before the country rule (never before
    # the blocked ranges), so countries are judged on direct clients only.
    import pulumi_gcp  # noqa: F401 (the component's SDK, imported as the platform would)

    from components.context import StackContext
    from components.gcp.waf import GcpWaf, GcpWafArgs
    from infra.config import CLOUDFLARE_PROXY, WafMode

    ctx = StackContext("prod", {"environment": "prod"}, True, 90, ("a@example.com",))
    args = GcpWafArgs(WafMode.block, ["198.51.100.7/32"], ["KP"], proxy=CLOUDFLARE_PROXY)
    rules = record_component(lambda: GcpWaf("waf", args, ctx), stack="prod").named("waf-edge-policy").inputs["rules"]
    by_priority = sorted(rules, key=lambda r: r["priority"])
    assert [(r["priority"], r["action"]) for r in by_priority] == [
        (1000, "deny(403)"),
        (1500, "allow"),
        (1501, "allow"),
        (1502, "allow"),
        (2000, "deny(403)"),
        (2147483647, "allow"),
    ]
    allowed = [ip for r in by_priority[1:4] for ip in r["match"]["config"]["srcIpRanges"]]
    assert allowed == [*CLOUDFLARE_PROXY.ipv4, *CLOUDFLARE_PROXY.ipv6]
    without_countries = GcpWafArgs(WafMode.block, ["198.51.100.7/32"], [], proxy=CLOUDFLARE_PROXY)
    plan = record_component(lambda: GcpWaf("waf", without_countries, ctx), stack="prod")
    assert [r["priority"] for r in plan.named("waf-edge-policy").inputs["rules"]] == [1000, 2147483647]
