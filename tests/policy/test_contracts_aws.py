"""AWS deploy contracts through the real pack: a compliant baseline passes, one change breaks each contract."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from infra.plan.records import ResourceRecord
from tests.policy.conftest import TAGS, check, record

ACCOUNT = "123456789012"
ROOT = {
    "Sid": "Admin",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": "kms:*",
    "Resource": "*",
}
DIST_ARN = f"arn:aws:cloudfront::{ACCOUNT}:distribution/E123"
CONFIG: dict[str, dict[str, Any]] = {
    # the shipped stacks' owner of account singletons (their audit.account_owner)
    "account-singleton-owner": {"auditOwner": "prod", "threatOwner": "prod"},
    "prod-stateful-protected": {"environment": "dev"},
    "cdn-origin-is-stateful": {"environment": "dev"},
    "nat-per-zone": {"environment": "prod"},
    "budget-per-provider": {"enforcementLevel": "disabled"},
    "budget-limits-within-stack-budget": {"enforcementLevel": "disabled"},
    "estimated-cost-within-budget": {"enforcementLevel": "disabled"},
}


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def violations(pack, records: list[ResourceRecord], rule: str) -> list[str]:
    report = check(pack, *records, config=CONFIG)
    return [v.detail for v in report.violations if v.policy == rule]


# --- cloudfront-can-decrypt-origin -----------------------------------------------------------


def cdn_stack(
    key_policy: str | None = "grant", algorithm: str = "aws:kms", with_key: bool = True
) -> list[ResourceRecord]:
    bucket = record("aws:s3/bucket:Bucket", "media", {"bucket": "qmoi-media", "tags": TAGS | {"bucket-class": "media"}})
    key = record("aws:kms/key:Key", "media-key", {"enableKeyRotation": True, "tags": TAGS})
    default = {"sseAlgorithm": algorithm} | ({"kmsMasterKeyId": "arn:aws:kms:us-east-1:1:key/k"} if with_key else {})
    sse = record(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "media-sse",
        {"bucket": "qmoi-media", "rules": [{"applyServerSideEncryptionByDefault": default}]},
        bucket=[bucket.urn],
    )
    if with_key:
        sse.property_dependencies["rules"] = [key.urn]
    dist = record(
        "aws:cloudfront/distribution:Distribution",
        "dist",
        {
            "origins": [{"domainName": "qmoi-media.s3.us-east-1.amazonaws.com", "originAccessControlId": "oac"}],
            "tags": TAGS,
        },
        origins=[bucket.urn],
    )
    records = [bucket, key, sse, dist]
    grant = {
        "Sid": "CF",
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {"StringEquals": {"AWS:SourceArn": DIST_ARN}},
    }
    if key_policy == "grant":
        records.append(
            record(
                "aws:kms/keyPolicy:KeyPolicy",
                "media-key-policy",
                {"keyId": "k", "policy": doc(ROOT, grant)},
                keyId=[key.urn],
                policy=[dist.urn],
            )
        )
    elif key_policy == "root-only":
        records.append(
            record(
                "aws:kms/keyPolicy:KeyPolicy", "media-key-policy", {"keyId": "k", "policy": doc(ROOT)}, keyId=[key.urn]
            )
        )
    return records


def test_a_cloudfront_origin_key_that_grants_the_distribution_decrypt_passes(pack):
    assert violations(pack, cdn_stack(), "cloudfront-can-decrypt-origin") == []


@pytest.mark.parametrize("policy", ["root-only", None])
def test_a_cloudfront_origin_key_without_the_decrypt_grant_fails(pack, policy):
    (found,) = violations(pack, cdn_stack(policy), "cloudfront-can-decrypt-origin")
    assert found.startswith("media-key: the key of media does not let cloudfront.amazonaws.com kms:Decrypt")


def test_an_origin_on_the_aws_managed_s3_key_fails(pack):
    (found,) = violations(pack, cdn_stack(None, with_key=False), "cloudfront-can-decrypt-origin")
    assert "AWS-managed S3 key" in found


# --- alarm-topic-key-usable ------------------------------------------------------------------------


def topic_stack(key_id: str | None = None, grant: bool = True) -> list[ResourceRecord]:
    key = record(
        "aws:kms/key:Key",
        "alerts-key",
        {
            "enableKeyRotation": True,
            "tags": TAGS,
            "policy": doc(
                ROOT,
                *(
                    [
                        {
                            "Sid": "CW",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudwatch.amazonaws.com"},
                            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                            "Resource": "*",
                            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
                        }
                    ]
                    if grant
                    else []
                ),
            ),
        },
    )
    deps = {} if key_id else {"kmsMasterKeyId": [key.urn]}
    topic = record(
        "aws:sns/topic:Topic", "alerts", {"kmsMasterKeyId": key_id or "arn:aws:kms:us-east-1:1:key/a", "tags": TAGS}
    )
    topic.property_dependencies.update(deps)
    alarm = record(
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "cpu",
        {"alarmActions": ["arn:aws:sns:us-east-1:1:alerts"], "tags": TAGS},
        alarmActions=[topic.urn],
    )
    return [key, topic, alarm]


def test_an_alarm_topic_on_a_key_cloudwatch_may_use_passes(pack):
    assert violations(pack, topic_stack(), "alarm-topic-key-usable") == []


def test_an_alarm_topic_on_the_aws_managed_sns_key_fails(pack):
    (found,) = violations(pack, topic_stack("alias/aws/sns"), "alarm-topic-key-usable")
    assert found.startswith("alerts: encrypted with the AWS-managed key alias/aws/sns")


def test_an_alarm_topic_whose_key_does_not_grant_cloudwatch_fails(pack):
    (found,) = violations(pack, topic_stack(grant=False), "alarm-topic-key-usable")
    assert "cloudwatch.amazonaws.com" in found


# --- groups: refresh version, capacity wait, scale from zero -------------------------------------


def group(**changes: Any) -> ResourceRecord:
    props: dict[str, Any] = {
        "name": "qmoi-dev-gpu",
        "minSize": 1,
        "maxSize": 2,
        "instanceRefresh": {"strategy": "Rolling"},
        "waitForCapacityTimeout": "0",
        "ignoreFailedScalingActivities": True,
        "mixedInstancesPolicy": {
            "instancesDistribution": {"onDemandPercentageAboveBaseCapacity": 0},
            "launchTemplate": {
                "launchTemplateSpecification": {"version": "3"},
                "overrides": [{"instanceType": "g4dn.xlarge"}],
            },
        },
        "tags": [{"key": k, "value": v} for k, v in TAGS.items()],
    }
    props.update(changes)
    return record("aws:autoscaling/group:Group", "gpu", props)


def test_a_group_naming_a_version_number_passes_and_latest_fails(pack):
    assert violations(pack, [group()], "asg-refresh-needs-version-number") == []
    latest = group(
        mixedInstancesPolicy={
            "instancesDistribution": {"onDemandPercentageAboveBaseCapacity": 0},
            "launchTemplate": {
                "launchTemplateSpecification": {"version": "$Latest"},
                "overrides": [{"instanceType": "g4dn.xlarge"}],
            },
        }
    )
    (found,) = violations(pack, [latest], "asg-refresh-needs-version-number")
    assert "launch template version $Latest: AWS starts no instance refresh" in found


def test_a_spot_gpu_group_that_waits_for_capacity_fails(pack):
    assert violations(pack, [group()], "spot-and-gpu-groups-do-not-wait") == []
    (found,) = violations(
        pack,
        [group(waitForCapacityTimeout="10m", ignoreFailedScalingActivities=False)],
        "spot-and-gpu-groups-do-not-wait",
    )
    assert found.startswith("gpu: a spot group makes `pulumi up` wait for capacity")


def test_an_on_demand_gpu_group_is_judged_by_its_instance_type(pack):
    on_demand = group(
        mixedInstancesPolicy=None, launchTemplate={"id": "lt", "version": "1"}, waitForCapacityTimeout="10m"
    )
    template = record(
        "aws:ec2/launchTemplate:LaunchTemplate",
        "gpu-lt",
        {"instanceType": "g4dn.xlarge", "tags": TAGS, "metadataOptions": {"httpTokens": "required"}},
    )
    on_demand.property_dependencies["launchTemplate"] = [template.urn]
    (found,) = violations(pack, [template, on_demand], "spot-and-gpu-groups-do-not-wait")
    assert "accelerated (g4dn.xlarge)" in found


def test_a_group_at_zero_needs_a_schedule_or_a_step_policy(pack):
    at_zero = group(minSize=0)
    (found,) = violations(pack, [at_zero], "tier-scaling-can-act")
    assert found.startswith("gpu: min 0 with nothing that exists at zero instances")
    start = record(
        "aws:autoscaling/schedule:Schedule",
        "gpu-start",
        {"autoscalingGroupName": "qmoi-dev-gpu", "minSize": 1, "desiredCapacity": 1, "recurrence": "0 9 * * MON-FRI"},
        autoscalingGroupName=[at_zero.urn],
    )
    assert violations(pack, [at_zero, start], "tier-scaling-can-act") == []
    cpu = record(
        "aws:autoscaling/policy:Policy",
        "gpu-cpu",
        {
            "autoscalingGroupName": "qmoi-dev-gpu",
            "policyType": "TargetTrackingScaling",
            "targetTrackingConfiguration": {
                "predefinedMetricSpecification": {"predefinedMetricType": "ASGAverageCPUUtilization"}
            },
        },
        autoscalingGroupName=[at_zero.urn],
    )
    assert violations(pack, [at_zero, cpu], "tier-scaling-can-act")  # CPU is not a signal at zero


# --- network defaults ------------------------------------------------------------------------------


def network(**omit: bool) -> list[ResourceRecord]:
    vpc = record("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.20.0.0/16", "tags": TAGS})
    logs = record("aws:s3/bucket:Bucket", "logs", {"bucket": "qmoi-logs", "tags": TAGS | {"role": "access-logs"}})
    delivery = {
        "Sid": "W",
        "Effect": "Allow",
        "Principal": {"Service": "delivery.logs.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::qmoi-logs/vpc-flow-logs/*",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
    }
    policy = record(
        "aws:s3/bucketPolicy:BucketPolicy",
        "logs-policy",
        {"bucket": "qmoi-logs", "policy": doc(*([] if omit.get("delivery") else [delivery]))},
        bucket=[logs.urn],
    )
    flow = record(
        "aws:ec2/flowLog:FlowLog",
        "flow",
        {
            "vpcId": "vpc-1",
            "logDestinationType": "s3",
            "logDestination": "arn:aws:s3:::qmoi-logs/vpc-flow-logs/",
            "trafficType": "REJECT",
            "tags": TAGS,
        },
        vpcId=[vpc.urn],
        logDestination=[logs.urn],
    )
    default_sg = record(
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        "default-sg",
        {"vpcId": "vpc-1", "tags": TAGS},
        vpcId=[vpc.urn],
    )
    records = [vpc, logs, policy]
    if not omit.get("flow"):
        records.append(flow)
    if not omit.get("default_sg"):
        records.append(default_sg)
    return records


def test_a_vpc_with_flow_logs_to_a_bucket_that_grants_delivery_passes(pack):
    assert violations(pack, network(), "vpc-flow-logs") == []


def test_a_vpc_without_flow_logs_fails(pack):
    (found,) = violations(pack, network(flow=True), "vpc-flow-logs")
    assert found.startswith("vpc: no VPC flow log")


def test_flow_logs_to_a_bucket_whose_policy_omits_log_delivery_fail(pack):
    (found,) = violations(pack, network(delivery=True), "vpc-flow-logs")
    assert "does not grant delivery.logs.amazonaws.com s3:PutObject" in found


def test_a_vpc_whose_default_security_group_keeps_its_rules_fails(pack):
    assert violations(pack, network(), "default-security-group-closed") == []
    (found,) = violations(pack, network(default_sg=True), "default-security-group-closed")
    assert found.startswith("vpc: the default security group keeps its rules")
    ruled = network()
    ruled[-1].inputs["egress"] = [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}]
    assert violations(pack, ruled, "default-security-group-closed") == [
        "default-sg: the default security group must have no rules"
    ]


def endpoint(policy: str | None) -> ResourceRecord:
    props = {"serviceName": "com.amazonaws.us-east-1.s3", "vpcEndpointType": "Gateway", "tags": TAGS}
    return record("aws:ec2/vpcEndpoint:VpcEndpoint", "s3", props | ({"policy": policy} if policy else {}))


def test_an_s3_endpoint_limited_to_own_buckets_passes_and_a_default_one_fails(pack):
    own = doc(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceAccount": ACCOUNT}},
        }
    )
    assert violations(pack, [endpoint(own)], "s3-endpoint-policy") == []
    assert violations(pack, [endpoint(None)], "s3-endpoint-policy")[0].startswith("s3: no endpoint policy")
    wide = doc({"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"})
    assert "without a condition" in violations(pack, [endpoint(wide)], "s3-endpoint-policy")[0]


def test_egress_on_port_80_to_the_internet_fails(pack):
    sg: dict[str, Any] = {
        "vpcId": "v",
        "egress": [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}],
        "tags": TAGS,
    }
    assert violations(pack, [record("aws:ec2/securityGroup:SecurityGroup", "tiers", sg)], "no-plaintext-egress") == []
    sg["egress"].append({"protocol": "tcp", "fromPort": 80, "toPort": 80, "cidrBlocks": ["0.0.0.0/0"]})
    (found,) = violations(pack, [record("aws:ec2/securityGroup:SecurityGroup", "tiers", sg)], "no-plaintext-egress")
    assert found == "tiers: egress to the internet on plaintext port(s) [80]"


# --- keys: explicit policy, log groups, service grants --------------------------------------------


def test_a_key_without_an_explicit_policy_or_with_two_writers_fails(pack):
    key = record("aws:kms/key:Key", "k", {"enableKeyRotation": True, "tags": TAGS, "policy": doc(ROOT)})
    assert violations(pack, [key], "kms-key-policy-explicit") == []
    bare = record("aws:kms/key:Key", "k", {"enableKeyRotation": True, "tags": TAGS})
    assert violations(pack, [bare], "kms-key-policy-explicit")[0].startswith("k: no explicit key policy")
    second = record("aws:kms/keyPolicy:KeyPolicy", "k-policy", {"keyId": "k", "policy": doc(ROOT)}, keyId=[key.urn])
    assert "2 writers of one key policy" in violations(pack, [key, second], "kms-key-policy-explicit")[0]


def log_stack(service: str, group_name: str = "/aws/lambda/qmoi-dev-fn") -> list[ResourceRecord]:
    grant = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*"],
        "Resource": "*",
        "Condition": {
            "ArnLike": {
                "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/qmoi-dev-*"
            }
        },
    }
    key = record("aws:kms/key:Key", "logs-key", {"enableKeyRotation": True, "tags": TAGS, "policy": doc(ROOT, grant)})
    group = record(
        "aws:cloudwatch/logGroup:LogGroup",
        "fn-logs",
        {"name": group_name, "kmsKeyId": "arn", "tags": TAGS},
        kmsKeyId=[key.urn],
    )
    return [key, group]


def test_a_log_group_key_must_grant_the_regional_logs_principal(pack):
    assert violations(pack, log_stack("logs.us-east-1.amazonaws.com"), "log-group-key-usable") == []
    (found,) = violations(pack, log_stack("logs.amazonaws.com"), "log-group-key-usable")
    assert found.startswith("fn-logs: its key logs-key does not let logs.?*.amazonaws.com")


def test_a_log_group_key_must_grant_logs_for_that_group_s_name(pack):
    # a review stack's groups carry its own token; a grant written for the environment's names does not cover them
    service = "logs.us-east-1.amazonaws.com"
    (found,) = violations(pack, log_stack(service, "/aws/lambda/qmoi-pr-42-f390bb-fn"), "log-group-key-usable")
    assert found.startswith("fn-logs: its key logs-key lets logs.?*.amazonaws.com use it only for log groups ")
    assert "/aws/lambda/qmoi-dev-*" in found and "/aws/lambda/qmoi-pr-42-f390bb-fn" in found


def test_a_service_grant_without_a_source_condition_fails(pack):
    grant = {
        "Effect": "Allow",
        "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::logs/*",
    }
    bucket_policy = {
        "bucket": "logs",
        "policy": doc(grant | {"Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}),
    }
    assert (
        violations(pack, [record("aws:s3/bucketPolicy:BucketPolicy", "p", bucket_policy)], "service-grant-has-source")
        == []
    )
    bucket_policy["policy"] = doc(grant)
    (found,) = violations(
        pack, [record("aws:s3/bucketPolicy:BucketPolicy", "p", bucket_policy)], "service-grant-has-source"
    )
    assert found.startswith(
        "p: the grant to logging.s3.amazonaws.com has no aws:SourceArn / aws:SourceAccount condition"
    )


# --- NAT per zone, Availability Zones ---------------------------------------------------------------


def nat_stack(nat_zone: str) -> list[ResourceRecord]:
    private = record("aws:ec2/subnet:Subnet", "private-1", {"availabilityZone": "us-east-1b", "tags": TAGS})
    public = record("aws:ec2/subnet:Subnet", "public-0", {"availabilityZone": nat_zone, "tags": TAGS})
    nat = record("aws:ec2/natGateway:NatGateway", "nat", {"subnetId": "s", "tags": TAGS}, subnetId=[public.urn])
    table = record("aws:ec2/routeTable:RouteTable", "rt-1", {"tags": TAGS})
    route = record(
        "aws:ec2/route:Route",
        "default-1",
        {"destinationCidrBlock": "0.0.0.0/0", "natGatewayId": "n", "routeTableId": "t"},
        natGatewayId=[nat.urn],
        routeTableId=[table.urn],
    )
    association = record(
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "rta-1",
        {"subnetId": "s", "routeTableId": "t"},
        subnetId=[private.urn],
        routeTableId=[table.urn],
    )
    return [private, public, nat, table, route, association]


def test_a_prod_subnet_egressing_through_another_zones_nat_fails(pack):
    assert violations(pack, nat_stack("us-east-1b"), "nat-per-zone") == []
    (found,) = violations(pack, nat_stack("us-east-1a"), "nat-per-zone")
    assert found.startswith("rta-1: a subnet in us-east-1b egresses through NAT gateway nat in us-east-1a")


def test_a_subnet_in_a_local_zone_fails(pack):
    subnet = record("aws:ec2/subnet:Subnet", "private-0", {"availabilityZone": "us-east-1a", "tags": TAGS})
    assert violations(pack, [subnet], "subnets-in-availability-zones") == []
    subnet.inputs["availabilityZone"] = "us-east-1-bos-1a"
    assert violations(pack, [subnet], "subnets-in-availability-zones")[0].startswith(
        "private-0: us-east-1-bos-1a is a Local"
    )


# --- the shipped plans, through the same pack -------------------------------------------------------


def aws_records(plan) -> list[ResourceRecord]:
    return [r for r in plan.resources if r.type.startswith(("aws:", "pulumi:providers:aws"))]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_shipped_aws_resources_keep_every_contract(pack, stack_plan, stack):
    from policy.rules import RULES
    from policy.rules.contracts import AREA

    report = check(pack, *aws_records(stack_plan(stack)), config={**CONFIG, "nat-per-zone": {"environment": stack}})
    contracts = {r.name for r in RULES if r.area == AREA}
    assert [v.detail for v in report.violations if v.policy in contracts] == []


def test_the_shipped_media_key_without_the_cdn_grant_breaks_the_cloudfront_contract(pack, dev_plan):
    records = [copy.deepcopy(r) for r in aws_records(dev_plan)]
    (policy,) = [r for r in records if r.type == "aws:kms/keyPolicy:KeyPolicy"]
    statements = json.loads(policy.inputs["policy"])["Statement"]
    policy.inputs["policy"] = doc(*[s for s in statements if s["Principal"] != {"Service": "cloudfront.amazonaws.com"}])
    (found,) = violations(pack, records, "cloudfront-can-decrypt-origin")
    assert found.startswith("qmoi-aws-storage-media-key: the key of qmoi-aws-storage-media does not let cloudfront")


# --- aws-budget-scoped-to-stack ----------------------------------------------------------------


def budget(*values: str, stack_tag: str = "prod") -> ResourceRecord:
    return record(
        "aws:budgets/budget:Budget",
        "monthly",
        {
            "budgetType": "COST",
            "limitAmount": "500.00",
            "costFilters": [{"name": "TagKeyValue", "values": list(values)}],
            "tags": TAGS | {"stack": stack_tag},
        },
    )


def test_an_aws_budget_filters_on_its_own_stack_tag_never_on_the_shared_environment(pack):
    assert violations(pack, [budget("user:stack$prod")], "aws-budget-scoped-to-stack") == []
    (shared,) = violations(pack, [budget("user:environment$prod")], "aws-budget-scoped-to-stack")
    assert shared.startswith("monthly: filters on the tag 'environment' (user:environment$prod), which stacks side")
    (other,) = violations(pack, [budget("user:stack$dev")], "aws-budget-scoped-to-stack")
    assert "selects stack='dev', but this stack's resources are tagged stack='prod'" in other


def anomaly_monitor(key: str, value: str, stack_tag: str = "prod") -> ResourceRecord:
    spec = {"And": None, "Dimensions": None, "Tags": {"Key": key, "MatchOptions": None, "Values": [value]}}
    return record(
        "aws:costexplorer/anomalyMonitor:AnomalyMonitor",
        "spend",
        {"monitorType": "CUSTOM", "monitorSpecification": json.dumps(spec), "tags": TAGS | {"stack": stack_tag}},
    )


def test_a_cost_anomaly_monitor_watches_its_own_stack_tag_like_the_budget(pack):
    assert violations(pack, [anomaly_monitor("stack", "prod")], "aws-budget-scoped-to-stack") == []
    (shared,) = violations(pack, [anomaly_monitor("environment", "prod")], "aws-budget-scoped-to-stack")
    assert shared.startswith("spend: filters on the tag 'environment' (user:environment$prod), which stacks side")
    (other,) = violations(pack, [anomaly_monitor("stack", "dev")], "aws-budget-scoped-to-stack")
    assert "selects stack='dev', but this stack's resources are tagged stack='prod'" in other
