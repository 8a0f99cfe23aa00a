"""AWS security operations as the shipped stacks declare them: trail, detectors, web ACL, backups."""

from __future__ import annotations

import json
from typing import Any

from components.aws.waf import AwsWaf, AwsWafArgs
from components.context import StackContext
from infra.config import CLOUDFLARE_PROXY, WafMode
from infra.plan import Plan
from infra.plan.mock_outputs import MockContext
from infra.plan.mock_outputs.aws import OUTPUTS
from infra.plan.records import ResourceRecord

ACCOUNT = "123456789012"
TRAIL_ARN = f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/qmoi-prod-trail"


def only(plan: Plan, token: str) -> ResourceRecord:
    (found,) = plan.of_type(token)
    return found


def output(record: ResourceRecord, prop: str) -> Any:
    """An output of a recorded resource, as the plan's mocks computed it."""
    return OUTPUTS[record.type](record.name, record.inputs, MockContext())[prop]


def statements(document: str) -> list[dict[str, Any]]:
    return json.loads(document)["Statement"]


def by_sid(document: str) -> dict[str, dict[str, Any]]:
    return {s.get("Sid", ""): s for s in statements(document)}


def test_prod_declares_one_multi_region_validated_encrypted_trail_into_its_own_bucket(prod_plan):
    trail = only(prod_plan, "aws:cloudtrail/trail:Trail")
    assert trail.inputs["name"] == "qmoi-prod-trail"
    assert trail.inputs["isMultiRegionTrail"] is True
    assert trail.inputs["enableLogFileValidation"] is True
    assert trail.inputs["includeGlobalServiceEvents"] is True
    assert trail.inputs["enableLogging"] is True
    assert trail.inputs["s3BucketName"] == "qmoi-cloud-storage-prod-audit"
    assert "advancedEventSelectors" not in trail.inputs  # management events only: data events are opt-in
    key = prod_plan.named("qmoi-aws-audit-key")
    assert trail.inputs["kmsKeyId"] == output(key, "arn")
    policy = prod_plan.named("qmoi-aws-audit-bucket-policy")
    assert policy.urn in trail.dependencies  # CloudTrail checks the bucket policy when the trail is created


def test_the_trail_bucket_policy_names_the_trail_by_its_arn_built_as_a_string(prod_plan):
    policy = by_sid(prod_plan.named("qmoi-aws-audit-bucket-policy").inputs["policy"])
    assert policy["DenyInsecureTransport"]["Effect"] == "Deny"
    acl, write = policy["AWSCloudTrailAclCheck"], policy["AWSCloudTrailWrite"]
    assert acl["Principal"] == write["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert acl["Condition"] == {"StringEquals": {"aws:SourceArn": TRAIL_ARN}}
    assert write["Condition"]["StringEquals"] == {
        "aws:SourceArn": TRAIL_ARN,
        "s3:x-amz-acl": "bucket-owner-full-control",
    }
    assert write["Resource"] == f"arn:aws:s3:::qmoi-cloud-storage-prod-audit/AWSLogs/{ACCOUNT}/*"


def test_the_trail_key_lets_only_this_trail_encrypt(prod_plan):
    grants = by_sid(prod_plan.named("qmoi-aws-audit-key").inputs["policy"])
    encrypt = grants["CloudTrailEncryptLogs"]
    assert encrypt["Action"] == "kms:GenerateDataKey*"
    assert encrypt["Condition"]["StringEquals"] == {"aws:SourceArn": TRAIL_ARN}
    context = encrypt["Condition"]["StringLike"]["kms:EncryptionContext:aws:cloudtrail:arn"]
    assert context == f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/*"
    assert prod_plan.named("qmoi-aws-audit-key").protect


def test_prod_audit_logs_are_versioned_locked_and_expire_after_their_retention(prod_plan):
    bucket = prod_plan.named("qmoi-aws-audit-bucket")
    assert bucket.inputs["objectLockEnabled"] is True and bucket.protect
    lock = prod_plan.named("qmoi-aws-audit-bucket-object-lock")
    assert lock.inputs["rule"]["defaultRetention"] == {"mode": "COMPLIANCE", "days": 365}
    (rule,) = prod_plan.named("qmoi-aws-audit-bucket-lifecycle").inputs["rules"]
    assert rule["expiration"]["days"] == 365
    versioning = prod_plan.named("qmoi-aws-audit-bucket-versioning")
    assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"
    block = prod_plan.named("qmoi-aws-audit-bucket-public-access")
    assert all(block.inputs[k] for k in ("blockPublicAcls", "blockPublicPolicy", "restrictPublicBuckets"))


def test_stacks_that_do_not_own_the_account_declare_no_trail_or_detector(dev_plan, staging_plan):
    for plan in (dev_plan, staging_plan):
        for token in (
            "aws:cloudtrail/trail:Trail",
            "aws:guardduty/detector:Detector",
            "aws:securityhub/account:Account",
            "aws:cfg/recorder:Recorder",
        ):
            assert plan.of_type(token) == [], (plan.stack, token)


def test_guardduty_with_s3_protection_and_security_hub_fsbp_are_enabled(prod_plan):
    detector = only(prod_plan, "aws:guardduty/detector:Detector")
    assert detector.inputs["enable"] is True
    features = prod_plan.of_type("aws:guardduty/detectorFeature:DetectorFeature")
    assert ("S3_DATA_EVENTS", "ENABLED") in {(f.inputs["name"], f.inputs["status"]) for f in features}
    hub = only(prod_plan, "aws:securityhub/account:Account")
    assert hub.inputs["enableDefaultStandards"] is False
    standard = only(prod_plan, "aws:securityhub/standardsSubscription:StandardsSubscription")
    assert standard.inputs["standardsArn"] == (
        "arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0"
    )
    assert hub.urn in standard.dependencies


def test_every_optional_guardduty_protection_plan_is_declared_on_or_off(prod_plan):
    # A detector created without features turns on every optional plan but Runtime Monitoring: each is
    # declared, so none bills unseen and a console change shows as drift.
    detector = only(prod_plan, "aws:guardduty/detector:Detector")
    features = prod_plan.of_type("aws:guardduty/detectorFeature:DetectorFeature")
    assert all(detector.urn in f.property_dependencies["detectorId"] for f in features)
    assert {f.inputs["name"]: f.inputs["status"] for f in features} == {
        "S3_DATA_EVENTS": "ENABLED",
        "EBS_MALWARE_PROTECTION": "ENABLED",
        "LAMBDA_NETWORK_LOGS": "ENABLED",
        "RDS_LOGIN_EVENTS": "DISABLED",
        "EKS_AUDIT_LOGS": "DISABLED",
        "RUNTIME_MONITORING": "DISABLED",
    }


def test_aws_config_records_everything_into_a_bucket_of_its_own_that_object_lock_never_covers(prod_plan):
    # AWS Config does not deliver to a bucket with Object Lock (the audit bucket has it in prod).
    recorder = only(prod_plan, "aws:cfg/recorder:Recorder")
    assert recorder.inputs["recordingGroup"] == {"allSupported": True, "includeGlobalResourceTypes": True}
    channel = only(prod_plan, "aws:cfg/deliveryChannel:DeliveryChannel")
    bucket = prod_plan.named("qmoi-aws-threat-detection-config-bucket")
    assert channel.inputs["s3BucketName"] == bucket.inputs["bucket"] == "qmoi-cloud-storage-prod-config"
    assert bucket.urn in channel.property_dependencies["s3BucketName"]
    assert "objectLockEnabled" not in bucket.inputs and bucket.protect
    locks = prod_plan.of_type("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
    assert [lock.name for lock in locks] == ["qmoi-aws-audit-bucket-object-lock"]
    key_arn = output(prod_plan.named("qmoi-aws-audit-key"), "arn")
    assert channel.inputs["s3KmsKeyArn"] == key_arn
    (sse,) = prod_plan.named("qmoi-aws-threat-detection-config-bucket-encryption").inputs["rules"]
    assert sse["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": key_arn}
    versioning = prod_plan.named("qmoi-aws-threat-detection-config-bucket-versioning")
    assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"
    (rule,) = prod_plan.named("qmoi-aws-threat-detection-config-bucket-lifecycle").inputs["rules"]
    assert rule["expiration"]["days"] == 365
    block = prod_plan.named("qmoi-aws-threat-detection-config-bucket-public-access")
    assert all(block.inputs[k] for k in ("blockPublicAcls", "blockPublicPolicy", "restrictPublicBuckets"))
    policy = by_sid(prod_plan.named("qmoi-aws-threat-detection-config-bucket-policy").inputs["policy"])
    assert policy["DenyInsecureTransport"]["Effect"] == "Deny"
    writes = statements(prod_plan.named("qmoi-aws-threat-detection-config-delivery").inputs["policy"])
    arn = "arn:aws:s3:::qmoi-cloud-storage-prod-config"
    assert {s["Resource"] for s in writes if s["Action"] != ["kms:GenerateDataKey", "kms:Decrypt"]} == {
        arn,
        f"{arn}/config/AWSLogs/{ACCOUNT}/Config/*",
    }
    status = only(prod_plan, "aws:cfg/recorderStatus:RecorderStatus")
    assert status.inputs["isEnabled"] is True and channel.urn in status.dependencies


def test_high_findings_are_routed_to_the_monitoring_topic_which_eventbridge_may_use(prod_plan):
    topic = prod_plan.named("qmoi-aws-monitoring-alerts")
    targets = prod_plan.of_type("aws:cloudwatch/eventTarget:EventTarget")
    assert len(targets) == 2 and {t.inputs["arn"] for t in targets} == {output(topic, "arn")}
    patterns = {
        r.name: json.loads(r.inputs["eventPattern"]) for r in prod_plan.of_type("aws:cloudwatch/eventRule:EventRule")
    }
    guardduty = patterns["qmoi-aws-threat-detection-guardduty-findings"]
    assert guardduty["detail"] == {"severity": [{"numeric": [">=", 7]}]}
    hub = patterns["qmoi-aws-threat-detection-security-hub-findings"]["detail"]["findings"]
    assert hub["Severity"] == {"Label": ["HIGH", "CRITICAL"]}
    assert hub["ProductName"] == [{"anything-but": "GuardDuty"}]
    topic_policy = by_sid(prod_plan.named("qmoi-aws-monitoring-alerts-policy").inputs["policy"])
    events = topic_policy["EventBridgeRulesPublish"]
    assert events["Action"] == "sns:Publish" and events["Principal"] == {"Service": "events.amazonaws.com"}
    assert events["Condition"]["ArnLike"] == {"aws:SourceArn": f"arn:aws:events:us-east-1:{ACCOUNT}:rule/*"}
    assert "AccountUsesTheTopic" in topic_policy  # the account keeps what SNS's default policy gave it
    key = by_sid(prod_plan.named("qmoi-aws-monitoring-alerts-key").inputs["policy"])
    assert set(key["EventBridgeRulesPublish"]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}


def web_acl(plan: Plan) -> ResourceRecord:
    return only(plan, "aws:wafv2/webAcl:WebAcl")


def test_the_distribution_is_behind_a_cloudfront_web_acl_in_us_east_1(dev_plan, prod_plan):
    for plan in (dev_plan, prod_plan):
        acl = web_acl(plan)
        assert (acl.inputs["scope"], acl.inputs["region"]) == ("CLOUDFRONT", "us-east-1")
        assert acl.inputs["defaultAction"] == {"allow": {}}
        distribution = only(plan, "aws:cloudfront/distribution:Distribution")
        assert distribution.inputs["webAclId"] == output(acl, "arn")
        assert acl.urn in distribution.property_dependencies["webAclId"]
        names = [r["name"] for r in acl.inputs["rules"]]
        assert names == [
            "AWSManagedRulesAmazonIpReputationList",
            "AWSManagedRulesCommonRuleSet",
            "AWSManagedRulesKnownBadInputsRuleSet",
            "rate-limit-per-client",
            "rate-limit-per-ip",
        ]


def test_the_web_acl_blocks_in_prod_and_only_counts_in_dev(dev_plan, prod_plan):
    prod_rules, dev_rules = web_acl(prod_plan).inputs["rules"], web_acl(dev_plan).inputs["rules"]
    assert all(r.get("overrideAction") == {"none": {}} or r.get("action") == {"block": {}} for r in prod_rules)
    assert all(r.get("overrideAction") == {"count": {}} or r.get("action") == {"count": {}} for r in dev_rules)


def from_cloudflare(plan: Plan) -> dict[str, Any]:
    """The scope-down statement that matches requests from Cloudflare's published ranges."""
    ipv4, ipv6 = plan.named("qmoi-aws-waf-proxy-ipv4"), plan.named("qmoi-aws-waf-proxy-ipv6")
    return {
        "orStatement": {
            "statements": [
                {"ipSetReferenceStatement": {"arn": output(ipv4, "arn")}},
                {"ipSetReferenceStatement": {"arn": output(ipv6, "arn")}},
            ]
        }
    }


def test_behind_cloudflare_the_rate_limit_counts_the_forwarded_client_and_direct_hits_by_address(prod_plan):
    # Cloudflare's load balancer proxies the CloudFront origin: the connection comes from a Cloudflare
    # address, the client's is in CF-Connecting-IP (trusted only from Cloudflare's ranges).
    ipv4, ipv6 = prod_plan.named("qmoi-aws-waf-proxy-ipv4"), prod_plan.named("qmoi-aws-waf-proxy-ipv6")
    assert (ipv4.inputs["ipAddressVersion"], ipv6.inputs["ipAddressVersion"]) == ("IPV4", "IPV6")
    assert ipv4.inputs["addresses"] == list(CLOUDFLARE_PROXY.ipv4)
    assert ipv6.inputs["addresses"] == list(CLOUDFLARE_PROXY.ipv6)
    assert all((s.inputs["scope"], s.inputs["region"]) == ("CLOUDFRONT", "us-east-1") for s in (ipv4, ipv6))
    rules = {r["name"]: r for r in web_acl(prod_plan).inputs["rules"]}
    assert rules["rate-limit-per-client"]["statement"]["rateBasedStatement"] == {
        "aggregateKeyType": "FORWARDED_IP",
        "forwardedIpConfig": {"headerName": "CF-Connecting-IP", "fallbackBehavior": "MATCH"},
        "limit": 600,
        "evaluationWindowSec": 60,
        "scopeDownStatement": from_cloudflare(prod_plan),
    }
    assert rules["rate-limit-per-ip"]["statement"]["rateBasedStatement"] == {
        "aggregateKeyType": "IP",
        "limit": 600,
        "evaluationWindowSec": 60,
        "scopeDownStatement": {"notStatement": {"statement": from_cloudflare(prod_plan)}},
    }
    assert rules["rate-limit-per-client"]["action"] == rules["rate-limit-per-ip"]["action"] == {"block": {}}


def test_without_a_proxy_in_front_one_rate_rule_counts_each_connecting_address(record_component):
    ctx = StackContext("prod", {"environment": "prod"}, True, 90, ("a@example.com",))
    plan = record_component(lambda: AwsWaf("waf", AwsWafArgs(WafMode.block, 600), ctx), stack="prod")
    assert plan.of_type("aws:wafv2/ipSet:IpSet") == []
    (rate,) = [r for r in only(plan, "aws:wafv2/webAcl:WebAcl").inputs["rules"] if r["name"].startswith("rate")]
    assert rate["statement"]["rateBasedStatement"] == {
        "aggregateKeyType": "IP",
        "limit": 600,
        "evaluationWindowSec": 60,
    }


def test_behind_a_proxy_blocked_ranges_and_countries_judge_the_forwarded_client_only_from_the_proxy(
    record_component,
):
    ctx = StackContext("prod", {"environment": "prod"}, True, 90, ("a@example.com",))
    args = AwsWafArgs(WafMode.block, 600, ["203.0.113.0/24"], ["KP"], proxy=CLOUDFLARE_PROXY)
    plan = record_component(lambda: AwsWaf("waf", args, ctx), stack="prod")
    blocked = plan.named("waf-blocked-ips")
    rules = {r["name"]: r["statement"] for r in only(plan, "aws:wafv2/webAcl:WebAcl").inputs["rules"]}
    proxy = {
        "orStatement": {
            "statements": [
                {"ipSetReferenceStatement": {"arn": output(plan.named(f"waf-proxy-{v}"), "arn")}}
                for v in ("ipv4", "ipv6")
            ]
        }
    }
    forwarded = {"headerName": "CF-Connecting-IP", "fallbackBehavior": "MATCH"}
    assert rules["blocked-ips"] == {
        "orStatement": {
            "statements": [
                {"andStatement": {"statements": [proxy, {"ipSetReferenceStatement": {
                    "arn": output(blocked, "arn"), "ipSetForwardedIpConfig": forwarded | {"position": "FIRST"}}}]}},
                {"andStatement": {"statements": [{"notStatement": {"statement": proxy}},
                                                 {"ipSetReferenceStatement": {"arn": output(blocked, "arn")}}]}},
            ]
        }
    }  # fmt: skip
    assert rules["blocked-countries"] == {
        "orStatement": {
            "statements": [
                {"andStatement": {"statements": [proxy, {"geoMatchStatement": {
                    "countryCodes": ["KP"], "forwardedIpConfig": forwarded}}]}},
                {"andStatement": {"statements": [{"notStatement": {"statement": proxy}},
                                                 {"geoMatchStatement": {"countryCodes": ["KP"]}}]}},
            ]
        }
    }  # fmt: skip


def test_prod_backs_up_the_stateful_buckets_into_a_compliance_locked_vault(prod_plan):
    vault = only(prod_plan, "aws:backup/vault:Vault")
    assert vault.protect and vault.inputs["forceDestroy"] is False
    assert vault.inputs["kmsKeyArn"] == output(prod_plan.named("qmoi-aws-backup-key"), "arn")
    lock = only(prod_plan, "aws:backup/vaultLockConfiguration:VaultLockConfiguration")
    assert (lock.inputs["minRetentionDays"], lock.inputs["changeableForDays"]) == (35, 3)
    assert lock.protect
    (rule,) = only(prod_plan, "aws:backup/plan:Plan").inputs["rules"]
    assert rule["schedule"] == "cron(0 5 ? * * *)" and rule["lifecycle"] == {"deleteAfter": 35}
    selection = only(prod_plan, "aws:backup/selection:Selection")
    buckets = {output(b, "arn") for b in prod_plan.of_type("aws:s3/bucket:Bucket")}
    assert (
        set(selection.inputs["resources"])
        == {f"arn:aws:s3:::qmoi-cloud-storage-prod-{c}" for c in ("artifacts", "backups", "media")}
        and set(selection.inputs["resources"]) <= buckets
    )
    versioning = {v.urn for v in prod_plan.of_type("aws:s3/bucketVersioning:BucketVersioning")}
    assert len(set(selection.dependencies) & versioning) == 3  # it waits for the buckets' versioning


def test_dev_backups_have_no_lock_and_staging_a_governance_lock(dev_plan, staging_plan):
    assert dev_plan.of_type("aws:backup/vaultLockConfiguration:VaultLockConfiguration") == []
    assert only(dev_plan, "aws:backup/vault:Vault").inputs["forceDestroy"] is True
    lock = only(staging_plan, "aws:backup/vaultLockConfiguration:VaultLockConfiguration")
    assert "changeableForDays" not in lock.inputs and lock.inputs["minRetentionDays"] == 14


def test_the_config_recorder_and_channel_are_deleted_before_a_replacement_and_recording_restarts(prod_plan):
    # AWS Config allows one recorder and one delivery channel per region: a create-before-delete
    # replacement would be refused; and the recorder status only acts when is_enabled changes, so a
    # new recorder would stay stopped unless the status is replaced with it.
    for suffix in ("config-recorder", "config-delivery-channel"):
        (resource,) = [r for r in prod_plan.resources if r.name.endswith(suffix)]
        assert resource.delete_before_replace, resource.name
    (status,) = prod_plan.of_type("aws:cfg/recorderStatus:RecorderStatus")
    assert status.inputs["isEnabled"] is True
    assert "name" in status.replace_on_changes
