"""AWS functions, CDN, budget and monitoring, as declared in the shipped stacks."""

from __future__ import annotations

import json

from infra.config import ROOT, tree_digest
from infra.plan.mocks import PlatformMocks
from tests.conftest import make_config


def test_each_enabled_lambda_has_tracing_memory_timeout_and_its_own_log_group(dev_plan):
    functions = {r.inputs["name"]: r for r in dev_plan.of_type("aws:lambda/function:Function")}
    assert set(functions) == {"qmoi-dev-revenue-processing", "qmoi-dev-ai-inference", "qmoi-dev-data-analysis"}
    groups = {r.inputs["name"]: r for r in dev_plan.of_type("aws:cloudwatch/logGroup:LogGroup")}
    for name, fn in functions.items():
        assert fn.inputs["tracingConfig"]["mode"] == "Active"
        assert (fn.inputs["memorySize"], fn.inputs["timeout"]) == (256, 30)
        assert fn.inputs["handler"] == "handler.handler"
        folder = f"functions/{name.removeprefix('qmoi-dev-').replace('-', '_')}"
        assert fn.inputs["code"] == {"archive": folder, "sha256": tree_digest(ROOT / folder)}
        assert groups[f"/aws/lambda/{name}"].inputs["retentionInDays"] == 7


def test_lambda_roles_may_only_write_their_own_logs_and_traces(dev_plan):
    for policy in dev_plan.of_type("aws:iam/rolePolicy:RolePolicy"):
        statements = json.loads(policy.inputs["policy"])["Statement"]
        actions = sorted(a for s in statements for a in s["Action"])
        assert actions == [
            "logs:CreateLogStream",
            "logs:PutLogEvents",
            "xray:PutTelemetryRecords",
            "xray:PutTraceSegments",
        ]
        log_statement = next(s for s in statements if "logs:PutLogEvents" in s["Action"])
        assert (
            log_statement["Resource"].startswith("arn:aws:logs:")
            and "/aws/lambda/qmoi-dev-" in log_statement["Resource"]
        )


def test_no_function_url_is_created(dev_plan):
    assert dev_plan.of_type("aws:lambda/functionUrl:FunctionUrl") == []


def test_cloudfront_serves_the_media_bucket_over_https_only_with_tls_1_2(dev_plan):
    (dist,) = dev_plan.of_type("aws:cloudfront/distribution:Distribution")
    behavior = dist.inputs["defaultCacheBehavior"]
    assert behavior["viewerProtocolPolicy"] == "https-only"
    assert behavior["compress"] is True
    assert dist.inputs["viewerCertificate"]["minimumProtocolVersion"] == "TLSv1.2_2021"
    assert dist.inputs["viewerCertificate"]["sslSupportMethod"] == "sni-only"
    assert dist.inputs["aliases"] == ["dev.qmoi.ai", "dev.qmoi.cloud"]
    assert dist.inputs["priceClass"] == "PriceClass_100"
    (origin,) = dist.inputs["origins"]
    assert origin["domainName"] == "qmoi-cloud-storage-dev-media.s3.us-east-1.amazonaws.com"
    assert origin["originAccessControlId"]


def test_certificate_is_requested_in_us_east_1_for_all_domains(dev_plan):
    (cert,) = dev_plan.of_type("aws:acm/certificate:Certificate")
    assert [cert.inputs["domainName"], *cert.inputs["subjectAlternativeNames"]] == ["dev.qmoi.ai", "dev.qmoi.cloud"]
    assert cert.provider and "qmoi-aws-cdn-us-east-1" in cert.provider
    (regional,) = [r for r in dev_plan.resources if r.name == "qmoi-aws-cdn-us-east-1"]
    assert regional.inputs["region"] == "us-east-1"


def test_media_bucket_policy_allows_only_this_distribution_and_denies_plain_http(dev_plan):
    policy = json.loads(dev_plan.named("qmoi-aws-cdn-media-policy").inputs["policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["DenyInsecureTransport"]["Effect"] == "Deny"
    grant = by_sid["AllowCloudFrontRead"]
    assert grant["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert grant["Condition"]["StringEquals"]["AWS:SourceArn"].startswith("arn:aws:cloudfront::")
    # The storage component leaves the media policy to the CDN: exactly one policy per bucket.
    assert not [r for r in dev_plan.resources if r.name == "qmoi-aws-storage-media-policy"]


def test_prod_cdn_covers_more_edge_locations(prod_plan):
    (dist,) = prod_plan.of_type("aws:cloudfront/distribution:Distribution")
    assert dist.inputs["priceClass"] == "PriceClass_200"


def test_budget_alerts_at_80_percent_forecast_and_100_percent_actual(dev_plan):
    (budget,) = dev_plan.of_type("aws:budgets/budget:Budget")
    assert budget.inputs["timeUnit"] == "MONTHLY"
    assert float(budget.inputs["limitAmount"]) > 0
    kinds = {(n["notificationType"], n["threshold"]) for n in budget.inputs["notifications"]}
    assert kinds == {("FORECASTED", 80), ("ACTUAL", 100)}
    for n in budget.inputs["notifications"]:
        assert n["subscriberEmailAddresses"] == ["platform-alerts@qmoi.ai"]
    assert budget.inputs["costFilters"] == [{"name": "TagKeyValue", "values": ["user:stack$dev"]}]


def test_alarms_watch_every_group_cpu_and_every_function_errors(dev_plan):
    alarms = dev_plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    cpu = [a for a in alarms if a.inputs.get("metricName") == "CPUUtilization"]
    errors = [
        a
        for a in alarms
        if any(q.get("metric", {}).get("metricName") == "Errors" for q in a.inputs.get("metricQueries", []))
    ]
    assert sorted(a.inputs["dimensions"]["AutoScalingGroupName"] for a in cpu) == [
        "qmoi-dev-compute",
        "qmoi-dev-gpu",
        "qmoi-dev-memory",
    ]
    assert len(errors) == 3
    (topic,) = dev_plan.of_type("aws:sns/topic:Topic")
    assert topic.inputs["kmsMasterKeyId"].startswith("arn:aws:kms:")  # a customer key (see test_deploy_contracts)
    assert all(a.inputs["alarmActions"] for a in alarms)


def test_stack_outputs_name_buckets_functions_groups_and_the_cdn(dev_plan):
    outputs = dev_plan.outputs["aws"]
    assert outputs["buckets"]["artifacts"] == "qmoi-cloud-storage-dev-artifacts"
    assert set(outputs["functions"]) == {"revenue_processing", "ai_inference", "data_analysis"}
    assert outputs["autoscaling_groups"]["gpu"] == "qmoi-dev-gpu"
    assert outputs["cdn_domain"].endswith(".cloudfront.net")
    records = outputs["certificate_validation_records"]
    assert [r["type"] for r in records] == ["CNAME", "CNAME"]
    assert records[0]["name"].endswith(".dev.qmoi.ai.") and records[0]["value"].endswith(".acm-validations.aws.")


def test_prod_protects_and_retains_every_stateful_aws_resource(prod_plan, dev_plan):
    stateful = [
        r
        for r in prod_plan.resources
        if r.type == "aws:kms/key:Key" or (r.type == "aws:s3/bucket:Bucket" and not r.name.endswith("caches"))
    ]
    # storage, media, alerts, log, backup-vault and audit keys; artifacts, backups, media, logs, audit and AWS
    # Config history buckets
    assert len(stateful) == 6 + 6
    assert all(r.protect and r.retain_on_delete for r in stateful)
    assert not any(r.protect for r in dev_plan.resources)


class InvokeRecorder(PlatformMocks):
    """Mocks that also note which provider each invoke went to."""

    def __init__(self) -> None:
        super().__init__()
        self.invokes: list[tuple[str, str]] = []

    def call(self, args):
        self.invokes.append((args.token, args.provider or ""))
        return super().call(args)


def test_the_account_lookups_use_the_stack_s_aws_provider_not_the_ambient_default(record_component):
    from components.aws.platform import AwsPlatform

    mocks = InvokeRecorder()
    config = make_config("dev", aws={"enabled": True, "region": "us-east-1", "s3_bucket": "qmoi-test"})
    record_component(lambda: AwsPlatform("aws", config), stack="dev", mocks=mocks)
    lookups = [
        (t, p)
        for t, p in mocks.invokes
        if t in ("aws:index/getCallerIdentity:getCallerIdentity", "aws:index/getPartition:getPartition")
    ]
    assert lookups
    assert all("pulumi:providers:aws::aws-provider" in provider for _, provider in lookups), lookups
