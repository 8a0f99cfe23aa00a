"""AWS deploy contracts on the shipped stacks: what AWS and its services need of combinations of resources.

Each test is one defect of issue 12: the mock runtime accepts all of these, the real cloud
either refuses them at `pulumi up` or deploys something that does not work.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.aws.network import AwsNetwork, AwsNetworkArgs
from components.context import StackContext
from infra.config import BucketClass
from infra.plan import Plan
from infra.plan.mock_outputs import MockContext
from infra.plan.mock_outputs.aws import OUTPUTS
from infra.plan.records import ResourceRecord
from tests.conftest import make_config

KEY = "aws:kms/key:Key"
KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
HEALTH_KEY = ".well-known/qmoi-health"


def output(record: ResourceRecord, prop: str) -> Any:
    """An output of a recorded resource, as the plan's mocks computed it."""
    return OUTPUTS[record.type](record.name, record.inputs, MockContext())[prop]


def bucket(plan: Plan, cls: str) -> ResourceRecord:
    (found,) = [r for r in plan.of_type("aws:s3/bucket:Bucket") if r.inputs["tags"].get("bucket-class") == cls]
    return found


def attached(plan: Plan, type_token: str, target: ResourceRecord, prop: str) -> list[ResourceRecord]:
    return [r for r in plan.of_type(type_token) if target.urn in r.property_dependencies.get(prop, [])]


def key_of_bucket(plan: Plan, cls: str) -> ResourceRecord:
    (sse,) = attached(plan, SSE, bucket(plan, cls), "bucket")
    (rule,) = sse.inputs["rules"]
    arn = rule["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"]
    (key,) = [k for k in plan.of_type(KEY) if output(k, "arn") == arn]
    return key


def key_policy(plan: Plan, key: ResourceRecord) -> list[dict[str, Any]]:
    """The statements of the key's only policy writer (inline or one KeyPolicy); asserts it is alone."""
    writers = [json.loads(key.inputs["policy"])] if key.inputs.get("policy") else []
    writers += [json.loads(p.inputs["policy"]) for p in attached(plan, KEY_POLICY, key, "keyId")]
    assert len(writers) == 1, f"{key.name}: {len(writers)} key policy writers"
    return writers[0]["Statement"]


def grants(statements: list[dict[str, Any]], service: str) -> list[dict[str, Any]]:
    return [s for s in statements if s["Effect"] == "Allow" and s["Principal"] == {"Service": service}]


def actions(statement: dict[str, Any]) -> set[str]:
    value = statement["Action"]
    return {value} if isinstance(value, str) else set(value)


# --- 1. CloudFront can decrypt the SSE-KMS media bucket ------------------------------------


def test_media_has_its_own_key_whose_policy_lets_only_this_distribution_decrypt(dev_plan):
    media_key = key_of_bucket(dev_plan, "media")
    (distribution,) = dev_plan.of_type("aws:cloudfront/distribution:Distribution")
    (grant,) = grants(key_policy(dev_plan, media_key), "cloudfront.amazonaws.com")
    assert actions(grant) == {"kms:Decrypt"}
    assert grant["Condition"] == {"StringEquals": {"AWS:SourceArn": output(distribution, "arn")}}
    (policy,) = attached(dev_plan, KEY_POLICY, media_key, "keyId")
    assert distribution.urn in policy.dependencies  # written after the distribution: no cycle


def test_no_other_key_lets_cloudfront_decrypt(dev_plan):
    media_key = key_of_bucket(dev_plan, "media")
    assert key_of_bucket(dev_plan, "backups").urn != media_key.urn
    for key in dev_plan.of_type(KEY):
        if key.urn != media_key.urn:
            assert not grants(key_policy(dev_plan, key), "cloudfront.amazonaws.com"), key.name


# --- 2. CloudWatch alarms can publish to the encrypted topic --------------------------------


def test_the_alarm_topic_uses_a_customer_key_that_cloudwatch_may_use(dev_plan):
    (topic,) = dev_plan.of_type("aws:sns/topic:Topic")
    assert not topic.inputs["kmsMasterKeyId"].startswith("alias/aws/")
    (key,) = [k for k in dev_plan.of_type(KEY) if output(k, "arn") == topic.inputs["kmsMasterKeyId"]]
    (grant,) = grants(key_policy(dev_plan, key), "cloudwatch.amazonaws.com")
    assert actions(grant) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    assert grant["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
    assert grant["Condition"]["ArnLike"] == {"aws:SourceArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:*"}


# --- 3. Instance refresh starts: groups name a version number -------------------------------


def test_groups_pin_their_templates_latest_version_number_so_a_refresh_starts(dev_plan, prod_plan):
    for plan in (dev_plan, prod_plan):
        for group in plan.of_type("aws:autoscaling/group:Group"):
            mixed = group.inputs.get("mixedInstancesPolicy")
            spec = mixed["launchTemplate"]["launchTemplateSpecification"] if mixed else group.inputs["launchTemplate"]
            assert spec["version"] == "1", group.name  # the mock template's latestVersion
            assert group.inputs["instanceRefresh"]["strategy"] == "Rolling"


# --- 4. Spot and GPU groups never hold `pulumi up` hostage -----------------------------------


def test_spot_and_gpu_groups_do_not_wait_for_capacity_and_on_demand_groups_do(prod_plan, dev_plan):
    groups = {g.inputs["name"]: g.inputs for g in [*prod_plan.of_type("aws:autoscaling/group:Group")]}
    gpu, compute = groups["qmoi-prod-gpu"], groups["qmoi-prod-compute"]
    assert (gpu["waitForCapacityTimeout"], gpu["ignoreFailedScalingActivities"]) == ("0", True)
    assert (compute["waitForCapacityTimeout"], compute["ignoreFailedScalingActivities"]) == ("15m", False)
    for group in dev_plan.of_type("aws:autoscaling/group:Group"):  # dev is all spot
        assert group.inputs["waitForCapacityTimeout"] == "0"


# --- 5. Tiers with min 0 scale out from zero on a schedule ---------------------------------


def test_tiers_that_scale_to_zero_start_and_stop_on_their_schedule(dev_plan):
    schedules = dev_plan.of_type("aws:autoscaling/schedule:Schedule")
    by_group: dict[str, list[dict[str, Any]]] = {}
    for schedule in schedules:
        by_group.setdefault(schedule.inputs["autoscalingGroupName"], []).append(schedule.inputs)
    assert sorted(by_group) == ["qmoi-dev-gpu", "qmoi-dev-memory"]  # compute has min 1: no schedule
    start, stop = sorted(by_group["qmoi-dev-gpu"], key=lambda s: -s["desiredCapacity"])
    assert (start["recurrence"], start["minSize"], start["desiredCapacity"]) == ("0 14 * * MON-FRI", 1, 1)
    assert (stop["recurrence"], stop["minSize"], stop["desiredCapacity"]) == ("0 16 * * MON-FRI", 0, 0)
    assert start["maxSize"] == stop["maxSize"] == -1  # leave the group's max alone
    assert start["timeZone"] == "UTC"


# --- 6. The account's defaults are closed -----------------------------------------------------


def test_the_vpc_sends_flow_logs_to_the_log_bucket_whose_policy_the_program_writes(dev_plan, prod_plan):
    for plan, traffic in ((dev_plan, "REJECT"), (prod_plan, "ALL")):
        (vpc,) = plan.of_type("aws:ec2/vpc:Vpc")
        (flow,) = attached(plan, "aws:ec2/flowLog:FlowLog", vpc, "vpcId")
        logs = next(b for b in plan.of_type("aws:s3/bucket:Bucket") if b.inputs["tags"].get("role") == "access-logs")
        assert flow.inputs["logDestinationType"] == "s3"
        assert flow.inputs["logDestination"] == f"{output(logs, 'arn')}/vpc-flow-logs/"
        assert flow.inputs["trafficType"] == traffic and flow.inputs["maxAggregationInterval"] == 600
        (policy,) = attached(plan, "aws:s3/bucketPolicy:BucketPolicy", logs, "bucket")
        assert policy.urn in flow.dependencies
        statements = json.loads(policy.inputs["policy"])["Statement"]
        acl, write = sorted(grants(statements, "delivery.logs.amazonaws.com"), key=lambda s: s["Action"])
        assert write["Action"] == "s3:PutObject"
        assert write["Resource"] == f"{output(logs, 'arn')}/vpc-flow-logs/AWSLogs/123456789012/*"
        for grant in (write, acl):
            assert grant["Condition"]["StringEquals"]["aws:SourceAccount"] == "123456789012"
            assert grant["Condition"]["ArnLike"] == {"aws:SourceArn": "arn:aws:logs:us-east-1:123456789012:*"}


def test_the_default_security_group_is_adopted_with_no_rules(dev_plan):
    (vpc,) = dev_plan.of_type("aws:ec2/vpc:Vpc")
    (default,) = attached(dev_plan, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", vpc, "vpcId")
    assert not default.inputs.get("ingress") and not default.inputs.get("egress")


def test_the_s3_endpoint_reaches_only_own_buckets_and_the_aws_repositories(dev_plan):
    (endpoint,) = [
        e for e in dev_plan.of_type("aws:ec2/vpcEndpoint:VpcEndpoint") if e.inputs["serviceName"].endswith(".s3")
    ]
    statements = json.loads(endpoint.inputs["policy"])["Statement"]
    own, aws_owned = statements
    assert own["Condition"] == {"StringEquals": {"aws:ResourceAccount": "123456789012"}}
    assert actions(aws_owned) == {"s3:GetObject"}
    assert "arn:aws:s3:::al2023-repos-us-east-1-de612dc2/*" in aws_owned["Resource"]
    assert "arn:aws:s3:::amazon-ssm-us-east-1/*" in aws_owned["Resource"]
    assert all("Condition" in s or s["Resource"] != "*" for s in statements)


def test_tiers_egress_only_on_https_and_only_where_a_path_exists(dev_plan, prod_plan):
    for plan in (dev_plan, prod_plan):
        (sg,) = [s for s in plan.of_type("aws:ec2/securityGroup:SecurityGroup") if "tiers" in s.name]
        assert {(e["fromPort"], e["toPort"]) for e in sg.inputs["egress"]} == {(443, 443)}
    (dev_sg,) = [s for s in dev_plan.of_type("aws:ec2/securityGroup:SecurityGroup") if "tiers" in s.name]
    cidrs = {c for e in dev_sg.inputs["egress"] for c in e.get("cidrBlocks", [])}
    assert cidrs == {"10.20.0.0/16"}  # no NAT in dev: the VPC's endpoints only, plus S3 by prefix list
    assert any(e.get("prefixListIds") for e in dev_sg.inputs["egress"])
    (prod_sg,) = [s for s in prod_plan.of_type("aws:ec2/securityGroup:SecurityGroup") if "tiers" in s.name]
    assert {c for e in prod_sg.inputs["egress"] for c in e.get("cidrBlocks", [])} == {"0.0.0.0/0"}


def test_every_kms_key_has_exactly_one_explicit_policy_keeping_the_account_in_control(dev_plan, prod_plan):
    # storage, media, alerts, function logs, backup vault; prod (the audit owner) adds the trail's
    expected = {"dev": 5, "prod": 6}
    for plan in (dev_plan, prod_plan):
        keys = plan.of_type(KEY)
        assert len(keys) == expected[plan.stack]
        for key in keys:
            (admin,) = [
                s for s in key_policy(plan, key) if s.get("Principal") == {"AWS": "arn:aws:iam::123456789012:root"}
            ]
            assert admin["Action"] == "kms:*"


def test_function_log_groups_are_encrypted_with_a_key_the_regional_logs_service_may_use(dev_plan):
    groups = dev_plan.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert len(groups) == 3
    (arn,) = {g.inputs["kmsKeyId"] for g in groups}
    (key,) = [k for k in dev_plan.of_type(KEY) if output(k, "arn") == arn]
    (grant,) = grants(key_policy(dev_plan, key), "logs.us-east-1.amazonaws.com")
    assert {"kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*"} <= actions(grant)
    pattern = grant["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert pattern == "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/qmoi-dev-*"
    assert all(g.inputs["name"].startswith("/aws/lambda/qmoi-dev-") for g in groups)


def test_the_access_log_grant_names_the_source_buckets_and_account(dev_plan):
    logs = next(b for b in dev_plan.of_type("aws:s3/bucket:Bucket") if b.inputs["tags"].get("role") == "access-logs")
    (policy,) = attached(dev_plan, "aws:s3/bucketPolicy:BucketPolicy", logs, "bucket")
    (grant,) = grants(json.loads(policy.inputs["policy"])["Statement"], "logging.s3.amazonaws.com")
    assert grant["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
    sources = grant["Condition"]["ArnLike"]["aws:SourceArn"]
    assert sorted(sources) == sorted(f"arn:aws:s3:::qmoi-cloud-storage-dev-{c.value}" for c in BucketClass)


def test_bucket_policies_wait_for_the_public_access_block(dev_plan):
    blocks = {
        b.inputs["bucket"]: b.urn for b in dev_plan.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    }
    for policy in dev_plan.of_type("aws:s3/bucketPolicy:BucketPolicy"):
        assert blocks[policy.inputs["bucket"]] in policy.dependencies, policy.name


# --- 7. Prod egress survives a zone: one NAT gateway per zone -----------------------------


def test_prod_has_a_nat_gateway_per_zone_and_each_zone_routes_through_its_own(prod_plan):
    nats = prod_plan.of_type("aws:ec2/natGateway:NatGateway")
    assert len(nats) == 3 and len(prod_plan.of_type("aws:ec2/eip:Eip")) == 3
    subnet_zone = {s.id: s.inputs["availabilityZone"] for s in prod_plan.of_type("aws:ec2/subnet:Subnet")}
    nat_zone = {n.id: subnet_zone[n.inputs["subnetId"]] for n in nats}
    associations = {
        a.inputs["routeTableId"]: a.inputs["subnetId"]
        for a in prod_plan.of_type("aws:ec2/routeTableAssociation:RouteTableAssociation")
    }
    routes = [r for r in prod_plan.of_type("aws:ec2/route:Route") if r.inputs.get("natGatewayId")]
    assert len(routes) == 3
    for route in routes:
        assert nat_zone[route.inputs["natGatewayId"]] == subnet_zone[associations[route.inputs["routeTableId"]]]


# --- 8. Subnets land in Availability Zones, never in opted-in Local Zones -------------------


def test_the_zone_lookup_excludes_local_zones_so_subnets_land_in_availability_zones(record_component):
    config = make_config("dev")
    args = AwsNetworkArgs("10.20.0.0/16", 2, nat_gateway=False, ssm_endpoints=False, region="us-east-1")
    plan = record_component(lambda: AwsNetwork("net", args, StackContext.from_config(config)))
    zones = [s.inputs["availabilityZone"] for s in plan.of_type("aws:ec2/subnet:Subnet")]
    assert zones == ["us-east-1a", "us-east-1b"]  # the mock account has opted in to us-east-1-bos-1a


# --- 9. Media is stateful ----------------------------------------------------------------------


def test_media_is_versioned_and_protected_with_its_key_in_prod(prod_plan, dev_plan):
    media = bucket(prod_plan, "media")
    assert media.protect and media.retain_on_delete
    (versioning,) = attached(prod_plan, "aws:s3/bucketVersioning:BucketVersioning", media, "bucket")
    assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"
    assert key_of_bucket(prod_plan, "media").protect
    assert not bucket(dev_plan, "media").protect


def test_media_stays_in_standard_storage_while_the_cdn_serves_it(dev_plan):
    (lifecycle,) = attached(
        dev_plan,
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        bucket(dev_plan, "media"),
        "bucket",
    )
    assert not any(rule.get("transitions") for rule in lifecycle.inputs["rules"])


# --- 14. The origin serves a health object the edge monitor probes ---------------------------


def test_the_media_bucket_holds_a_health_object_encrypted_with_the_media_key(dev_plan):
    (health,) = dev_plan.of_type("aws:s3/bucketObjectv2:BucketObjectv2")
    assert health.inputs["bucket"] == bucket(dev_plan, "media").inputs["bucket"]
    assert (health.inputs["key"], health.inputs["content"]) == (HEALTH_KEY, "ok\n")
    assert health.inputs["contentType"] == "text/plain"
    assert health.inputs["serverSideEncryption"] == "aws:kms"
    assert health.inputs["kmsKeyId"] == output(key_of_bucket(dev_plan, "media"), "arn")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_platform_tells_the_edge_which_path_its_origin_answers(stack_plan, stack):
    plan = stack_plan(stack)
    assert plan.outputs["aws"]["health_path"] == f"/{HEALTH_KEY}"
