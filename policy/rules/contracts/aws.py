"""Deploy contracts of AWS: what the cloud or a consuming service requires of a combination of resources.

Joins go through property dependencies (and literal values where a preview has them); a
value unknown at preview is never judged. KMS keys are judged on their *effective* key
policy: the inline `policy` plus any `aws.kms.KeyPolicy` naming the key (documents.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from fnmatch import fnmatchcase
from typing import Any

from pulumi_policy import Severity

from infra.config import aws_accelerated
from policy.rules.base import CONTRACTS_AREA as AREA
from policy.rules.base import Finding, Res, Stack, StackRule, get, is_true, items, known
from policy.rules.contracts.documents import (
    KMS_KEY,
    KMS_KEY_POLICY,
    allows,
    key_of,
    key_policy_writers,
    key_statements,
    public,
    resources,
    services,
    source_bound,
    statements,
)
from policy.rules.data_safety import environment_of, versioned
from policy.rules.encryption import S3_BUCKETS, S3_SSE

DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
TOPIC = "aws:sns/topic:Topic"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
GROUP = "aws:autoscaling/group:Group"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG_EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SUBNET = "aws:ec2/subnet:Subnet"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ROUTE_TABLE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
BUDGET = "aws:budgets/budget:Budget"
STACK_TAG = "stack"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
ANOMALY_SUBSCRIPTION = "aws:costexplorer/anomalySubscription:AnomalySubscription"
ANOMALY_MONITOR = "aws:costexplorer/anomalyMonitor:AnomalyMonitor"
SERVICE_POLICIES = (BUCKET_POLICY, TOPIC_POLICY, "aws:sqs/queuePolicy:QueuePolicy")
# Services that publish to SNS topics: the resource that makes them publish, and its properties naming the topic.
TOPIC_PUBLISHERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "cloudwatch.amazonaws.com": (ALARM, ("alarmActions", "okActions", "insufficientDataActions")),
    "costalerts.amazonaws.com": (ANOMALY_SUBSCRIPTION, ("subscribers",)),
}
# Publishers the default topic policy lets in (it allows the account's principals, CloudWatch acting for them).
DEFAULT_POLICY_PUBLISHERS = frozenset({"cloudwatch.amazonaws.com"})

PLAINTEXT_PORTS = (21, 23, 80)
OPEN = ("0.0.0.0/0", "::/0")
# Local Zones (us-east-1-bos-1a) and Wavelength Zones (us-east-1-wl1-bos-wlz-1) carry a suffix.
NOT_AN_AZ = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d-[a-z0-9-]+$")


def _distribution_origin_buckets(stack: Stack, distribution: Res) -> list[Res]:
    """S3 buckets a distribution reads through an origin access control."""
    if not any(get(o, "originAccessControlId") for o in items(distribution.props, "origins")):
        return []
    return [b for b in stack.of(*S3_BUCKETS) if distribution.depends_on("origins", b.urn)]


def _sse_keys(stack: Stack, bucket: Res) -> Iterator[tuple[Res, Res | None, Any]]:
    """(SSE configuration, its KMS key or None, kmsMasterKeyId) for each SSE-KMS rule of a bucket."""
    for token in S3_SSE:
        for sse in stack.attached(bucket, token, "bucket", [bucket.get("bucket")]):
            for rule in items(sse.props, "rules"):
                default = get(rule, "applyServerSideEncryptionByDefault", default={})
                if get(default, "sseAlgorithm") in ("aws:kms", "aws:kms:dsse"):
                    key_id = get(default, "kmsMasterKeyId")
                    yield sse, key_of(stack, sse, "rules", key_id), key_id


def _cloudfront_can_decrypt(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for distribution in stack.of(DISTRIBUTION):
        for bucket in _distribution_origin_buckets(stack, distribution):
            for sse, key, key_id in _sse_keys(stack, bucket):
                if key is None:
                    if known(key_id) and (not key_id or "alias/aws/" in str(key_id)):
                        yield (
                            f"{bucket.name}: encrypted with the AWS-managed S3 key, whose policy cannot let "
                            f"CloudFront ({distribution.name}) decrypt: every object answers 403",
                            sse.urn,
                        )
                    continue
                found = key_statements(stack, key)
                if not known(found):
                    continue
                grants = [s for s in allows(found, "cloudfront.amazonaws.com", "kms:Decrypt") if source_bound(s)]
                named = any(w.depends_on("policy", distribution.urn) for w in key_policy_writers(stack, key)) or any(
                    ":distribution/" in str(s.get("Condition")) for s in grants
                )
                if not grants or not named:
                    yield (
                        f"{key.name}: the key of {bucket.name} does not let cloudfront.amazonaws.com kms:Decrypt "
                        f"for distribution {distribution.name} (AWS:SourceArn condition): every object answers 403",
                        key.urn,
                    )


def _topic_publishers(stack: Stack, topic: Res) -> dict[str, list[Res]]:
    """AWS service principal -> what makes it publish to `topic` (alarm actions, anomaly subscriptions, ...)."""
    found: dict[str, list[Res]] = {}
    for service, (token, props) in TOPIC_PUBLISHERS.items():
        users = [r for r in stack.of(token) if any(r.depends_on(p, topic.urn) for p in props)]
        if users:
            found[service] = users
    return found


def _topic_key_usable(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for topic in stack.of(TOPIC):
        publishers = _topic_publishers(stack, topic)
        key_id = topic.get("kmsMasterKeyId")
        if not publishers:
            continue
        policies = stack.attached(topic, TOPIC_POLICY, "arn")
        documents = [statements(p.get("policy")) for p in policies]
        readable = all(known(d) for d in documents)
        for service, users in publishers.items():
            what = f"{len(users)} {'publisher' if len(users) == 1 else 'publishers'} ({users[0].name}...)"
            if service not in DEFAULT_POLICY_PUBLISHERS and not policies:
                yield (
                    f"{topic.name}: {service} publishes to it ({what}) but no topic policy lets it: the default "
                    "policy allows the account's own principals only",
                    topic.urn,
                )
            elif policies and readable and not any(allows(d, service, "SNS:Publish") for d in documents):
                yield (
                    f"{topic.name}: its topic policy replaces the default one and does not let {service} "
                    f"SNS:Publish: the notifications of {what} are refused",
                    topic.urn,
                )
        if not key_id or not known(key_id):
            continue
        if "alias/aws/" in str(key_id):
            yield (
                f"{topic.name}: encrypted with the AWS-managed key {key_id}, whose policy cannot let "
                f"{', '.join(sorted(publishers))} use it: what they publish is refused and nobody is notified",
                topic.urn,
            )
            continue
        key = key_of(stack, topic, "kmsMasterKeyId", key_id)
        if key is None:
            continue
        found = key_statements(stack, key)
        if not known(found):
            continue
        for service in publishers:
            if not allows(found, service, "kms:Decrypt", "kms:GenerateDataKey"):
                yield (
                    f"{key.name}: the key of topic {topic.name} does not let {service} kms:Decrypt and "
                    "kms:GenerateDataKey*: what it publishes is refused",
                    key.urn,
                )


def _launch_versions(group: Res) -> list[Any]:
    mixed = group.get("mixedInstancesPolicy")
    if mixed:
        spec = get(mixed, "launchTemplate", "launchTemplateSpecification", default={})
        return [get(spec, "version", default="$Default")]
    template = group.get("launchTemplate")
    return [get(template, "version", default="$Default")] if template else []


def _refresh_version(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for group in stack.of(GROUP):
        if not group.get("instanceRefresh"):
            continue
        for version in _launch_versions(group):
            if known(version) and str(version) in ("$Latest", "$Default"):
                yield (
                    f"{group.name}: launch template version {version}: AWS starts no instance refresh for it, so "
                    "template changes never reach running instances; use the template's latest_version",
                    group.urn,
                )


def _instance_types(stack: Stack, group: Res) -> list[str]:
    overrides = get(group.props, "mixedInstancesPolicy", "launchTemplate", "overrides", default=[])
    types = [str(get(o, "instanceType")) for o in overrides if known(get(o, "instanceType")) and get(o, "instanceType")]
    for template in stack.of(LAUNCH_TEMPLATE):
        used = any(group.depends_on(p, template.urn) for p in ("launchTemplate", "mixedInstancesPolicy"))
        if used and known(template.get("instanceType")) and template.get("instanceType"):
            types.append(str(template.get("instanceType")))
    return types


def _capacity_wait(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for group in stack.of(GROUP):
        share = get(group.props, "mixedInstancesPolicy", "instancesDistribution", "onDemandPercentageAboveBaseCapacity")
        spot = known(share) and share is not None and float(share) < 100
        accelerated = [t for t in _instance_types(stack, group) if aws_accelerated(t)]
        if not spot and not accelerated:
            continue
        timeout, ignore = group.get("waitForCapacityTimeout"), group.get("ignoreFailedScalingActivities")
        if not known(timeout) or not known(ignore):
            continue
        if str(timeout) != "0" or not is_true(ignore):
            what = "spot" if spot else f"accelerated ({', '.join(accelerated)})"
            yield (
                f"{group.name}: a {what} group makes `pulumi up` wait for capacity (waitForCapacityTimeout "
                f"{timeout or '10m (default)'}) and fail on failed launches; set waitForCapacityTimeout '0' and "
                "ignoreFailedScalingActivities true (spot capacity and G/P quotas are outside the program)",
                group.urn,
            )


def _flow_logs(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for vpc in stack.of(VPC):
        flows = [f for f in stack.of(FLOW_LOG) if f.depends_on("vpcId", vpc.urn)]
        if not flows:
            yield f"{vpc.name}: no VPC flow log (aws:ec2/flowLog:FlowLog with vpcId on it)", vpc.urn
            continue
        for flow in flows:
            if flow.get("logDestinationType") != "s3":
                continue
            for bucket in [b for b in stack.of(*S3_BUCKETS) if flow.depends_on("logDestination", b.urn)]:
                policies = stack.attached(bucket, BUCKET_POLICY, "bucket", [bucket.get("bucket")])
                found = [statements(p.get("policy")) for p in policies]
                if any(not known(f) for f in found):
                    continue
                if not any(allows(f, "delivery.logs.amazonaws.com", "s3:PutObject") for f in found):
                    yield (
                        f"{flow.name}: the policy of {bucket.name} (written by this stack) does not grant "
                        "delivery.logs.amazonaws.com s3:PutObject: the statements AWS adds at creation are "
                        "removed by the next update and delivery stops",
                        flow.urn,
                    )


def _default_sg_closed(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for vpc in stack.of(VPC):
        adopted = [g for g in stack.of(DEFAULT_SG) if g.depends_on("vpcId", vpc.urn)]
        if not adopted:
            yield (
                f"{vpc.name}: the default security group keeps its rules (all from itself, all out); adopt it "
                "with aws.ec2.DefaultSecurityGroup and no rules",
                vpc.urn,
            )
        for group in adopted:
            if items(group.props, "ingress") or items(group.props, "egress"):
                yield f"{group.name}: the default security group must have no rules", group.urn


def _endpoint_policy(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for endpoint in stack.of(ENDPOINT):
        service = endpoint.get("serviceName")
        if not known(service) or not str(service).endswith((".s3", ".dynamodb")):
            continue
        policy = endpoint.get("policy")
        if not policy:
            yield (
                f"{endpoint.name}: no endpoint policy: AWS attaches one allowing full access to every bucket of "
                "every account (an exfiltration path)",
                endpoint.urn,
            )
            continue
        found = statements(policy)
        if not known(found):
            continue
        for statement in found:
            wide = any(r in ("*", "arn:aws:s3:::*") for r in resources(statement))
            if statement.get("Effect") == "Allow" and public(statement) and wide and not statement.get("Condition"):
                yield (
                    f"{endpoint.name}: a statement allows any principal on every resource without a condition",
                    endpoint.urn,
                )


def _port_range(rule: Mapping[str, Any]) -> tuple[int, int, str]:
    protocol = str(get(rule, "protocol", default=get(rule, "ipProtocol", default="tcp")))
    return int(get(rule, "fromPort", default=0) or 0), int(get(rule, "toPort", default=65535) or 65535), protocol


def _egress_rules(stack: Stack) -> Iterator[tuple[Res, Mapping[str, Any]]]:
    for group in stack.of(SECURITY_GROUP):
        for rule in items(group.props, "egress"):
            yield group, rule
    for rule in stack.of(SG_RULE):
        if rule.get("type") == "egress":
            yield rule, rule.props
    for rule in stack.of(SG_EGRESS):
        yield rule, {**rule.props, "cidrBlocks": [rule.get("cidrIpv4")], "ipv6CidrBlocks": [rule.get("cidrIpv6")]}


def _plaintext_egress(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for owner, rule in _egress_rules(stack):
        cidrs = [str(c) for c in [*items(rule, "cidrBlocks"), *items(rule, "ipv6CidrBlocks")] if known(c) and c]
        if not any(c in OPEN for c in cidrs):
            continue
        low, high, protocol = _port_range(rule)
        if protocol not in ("tcp", "6", "-1", "all"):
            continue
        ports = [p for p in PLAINTEXT_PORTS if low <= p <= high or protocol in ("-1", "all")]
        if ports:
            yield f"{owner.name}: egress to the internet on plaintext port(s) {ports}", owner.urn


def _explicit_key_policy(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for key in stack.of(KMS_KEY):
        writers = key_policy_writers(stack, key)
        if not writers:
            yield (
                f"{key.name}: no explicit key policy: AWS's default policy delegates everything to IAM and "
                "cannot grant a service principal; write one (inline policy or one aws.kms.KeyPolicy)",
                key.urn,
            )
        elif len(writers) > 1:
            names = ", ".join(w.name for w in writers)
            yield f"{key.name}: {len(writers)} writers of one key policy ({names}) overwrite each other", key.urn


def _region(res: Res) -> Any:
    return res.get("region") or res.provider_props.get("region")


LOGS_ARN_CONTEXT = "kms:encryptioncontext:aws:logs:arn"
ARN_OPERATORS = ("arnlike", "arnequals", "stringlike", "stringequals")


def _log_group_patterns(statement: Mapping[str, Any]) -> list[str] | None:
    """The log-group names (globs) a grant's kms:EncryptionContext:aws:logs:arn condition allows; None when
    the grant has no such condition (any log group) or a value is unknown."""
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return None
    found: list[str] = []
    for operator, block in condition.items():
        if str(operator).lower().removeprefix("forallvalues:").removeprefix("foranyvalue:") not in ARN_OPERATORS:
            continue
        for key, values in block.items() if isinstance(block, Mapping) else ():
            if str(key).lower() != LOGS_ARN_CONTEXT:
                continue
            for value in values if isinstance(values, list) else [values]:
                if not known(value) or not isinstance(value, str) or ":log-group:" not in value:
                    return None  # unknown, or a pattern wider than log groups (not judged)
                found.append(value.split(":log-group:", 1)[1])
    return found or None


def _log_group_key(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for group in stack.of(LOG_GROUP):
        key = key_of(stack, group, "kmsKeyId", group.get("kmsKeyId"))
        if key is None:
            continue
        found = key_statements(stack, key)
        if not known(found):
            continue
        region = _region(group) or _region(key)
        service = f"logs.{region}.amazonaws.com" if known(region) and region else "logs.?*.amazonaws.com"
        grants = allows(found, service, "kms:Decrypt", "kms:GenerateDataKey")
        if not grants:
            yield (
                f"{group.name}: its key {key.name} does not let {service} (the regional CloudWatch Logs principal) "
                "kms:Decrypt and kms:GenerateDataKey*: `pulumi up` fails creating the log group",
                group.urn,
            )
            continue
        name = group.get("name")
        patterns = [_log_group_patterns(g) for g in grants]
        if not known(name) or not name or any(p is None for p in patterns):
            continue  # a grant for every log group, or a name unknown at preview
        listed = sorted({p for found_patterns in patterns if found_patterns for p in found_patterns})
        if not any(fnmatchcase(str(name), p) for p in listed):
            yield (
                f"{group.name}: its key {key.name} lets {service} use it only for log groups "
                f"{', '.join(listed)} (kms:EncryptionContext:aws:logs:arn), and this group is {name}: "
                "`pulumi up` fails creating it (derive the grant's names from the stack, like the group's)",
                group.urn,
            )


def _grant_sources(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for document_owner in [*stack.of(*SERVICE_POLICIES, KMS_KEY_POLICY), *stack.of(KMS_KEY)]:
        found = statements(document_owner.get("policy"))
        if not known(found):
            continue
        for statement in found:
            granted = services(statement)
            if statement.get("Effect") == "Allow" and granted and not source_bound(statement):
                yield (
                    f"{document_owner.name}: the grant to {', '.join(sorted(granted))} has no aws:SourceArn / "
                    "aws:SourceAccount condition: any account's resource could use it (confused deputy)",
                    document_owner.urn,
                )


def _route_tables_to_nat(stack: Stack) -> dict[str, Res]:
    """Route table urn -> the NAT gateway its default route targets."""
    targets: dict[str, Res] = {}
    for route in stack.of(ROUTE):
        if route.get("destinationCidrBlock") != "0.0.0.0/0":
            continue
        nat = next((n for n in stack.of(NAT_GATEWAY) if route.depends_on("natGatewayId", n.urn)), None)
        table = next((t for t in stack.of(ROUTE_TABLE) if route.depends_on("routeTableId", t.urn)), None)
        if nat is not None and table is not None:
            targets[table.urn] = nat
    return targets


def _zone_of(stack: Stack, res: Res, prop: str) -> Any:
    subnet = next((s for s in stack.of(SUBNET) if res.depends_on(prop, s.urn)), None)
    return subnet.get("availabilityZone") if subnet is not None else None


def _nat_per_zone(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    if config.get("environment") != "prod":
        return
    nat_of_table = _route_tables_to_nat(stack)
    for association in stack.of(ROUTE_TABLE_ASSOCIATION):
        nat = next((n for t, n in nat_of_table.items() if association.depends_on("routeTableId", t)), None)
        if nat is None or get(nat.props, "availabilityMode") == "regional":
            continue
        zone, nat_zone = _zone_of(stack, association, "subnetId"), _zone_of(stack, nat, "subnetId")
        if known(zone) and known(nat_zone) and zone and nat_zone and zone != nat_zone:
            yield (
                f"{association.name}: a subnet in {zone} egresses through NAT gateway {nat.name} in {nat_zone}: "
                f"losing {nat_zone} cuts its egress; give each zone its own NAT gateway",
                association.urn,
            )


def _availability_zones(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for subnet in stack.of(SUBNET):
        zone = subnet.get("availabilityZone")
        if known(zone) and zone and NOT_AN_AZ.match(str(zone)):
            yield (
                f"{subnet.name}: {zone} is a Local or Wavelength Zone, not an Availability Zone (filter the zone "
                "lookup on opt-in-status: opt-in-not-required)",
                subnet.urn,
            )


def _tag_selections(resource: Res) -> Iterator[tuple[str, str]]:
    """(tag key, value) pairs a budget's TagKeyValue filters or a custom anomaly monitor's specification select."""
    if resource.type == BUDGET:
        for cost_filter in items(resource.props, "costFilters"):
            if get(cost_filter, "name") != "TagKeyValue":
                continue
            for value in items(cost_filter, "values"):
                if known(value) and isinstance(value, str):
                    key, _, tag_value = value.removeprefix("user:").partition("$")
                    yield key, tag_value
        return
    specification = resource.get("monitorSpecification")
    if not (known(specification) and isinstance(specification, str)):
        return
    try:
        tags = json.loads(specification).get("Tags") or {}
    except (ValueError, AttributeError):
        return
    for tag_value in tags.get("Values") or []:
        yield str(tags.get("Key")), str(tag_value)


def _budget_scope(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for resource in [*stack.of(BUDGET), *stack.of(ANOMALY_MONITOR)]:
        own = get(resource.props, "tags", STACK_TAG)
        for key, tag_value in _tag_selections(resource):
            if key != STACK_TAG:
                yield (
                    f"{resource.name}: filters on the tag {key!r} (user:{key}${tag_value}), which stacks side by "
                    "side share (a review copy of dev is environment dev too): it counts all of them; filter on "
                    f"user:{STACK_TAG}$<this stack's {STACK_TAG} tag>",
                    resource.urn,
                )
            elif known(own) and own and tag_value != own:
                yield (
                    f"{resource.name}: selects {STACK_TAG}={tag_value!r}, but this stack's resources are tagged "
                    f"{STACK_TAG}={own!r}: it counts another stack's spend",
                    resource.urn,
                )


ENVIRONMENT_SCHEMA = {"environment": {"type": "string", "enum": ["dev", "staging", "prod"]}}

# --- security operations: the audit trail, the web ACL, findings, backups ------------------------

TRAIL = "aws:cloudtrail/trail:Trail"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
IP_SET = "aws:wafv2/ipSet:IpSet"
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
TOPIC_POLICY = "aws:sns/topicPolicy:TopicPolicy"
BACKUP_SELECTION = "aws:backup/selection:Selection"
VAULT_LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
S3_VERSIONING_TOKENS = ("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")
CONFIG_CHANNEL = "aws:cfg/deliveryChannel:DeliveryChannel"
OBJECT_LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
CLOUDFRONT_WAF_REGION = "us-east-1"
MIN_COOLING_OFF_DAYS = 3


def _trail_bucket(stack: Stack, trail: Res) -> Res | None:
    return next(
        (b for b in stack.of(*S3_BUCKETS) if _refers_to(trail, "s3BucketName", b, b.get("bucket"), b.get("id"))),
        None,
    )


def _refers_to(res: Res, prop: str, target: Res, *values: Any) -> bool:
    value = res.get(prop)
    return res.depends_on(prop, target.urn) or (known(value) and bool(value) and value in values)


def _names_trail(statement: Mapping[str, Any], trail_name: Any) -> bool:
    """Whether a grant's aws:SourceArn condition names this trail (by its fixed name)."""
    text = str(statement.get("Condition", ""))
    return not known(trail_name) or not trail_name or f":trail/{trail_name}" in text


def _trail_delivery(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for trail in stack.of(TRAIL):
        bucket = _trail_bucket(stack, trail)
        if bucket is None:
            continue
        policies = stack.attached(bucket, BUCKET_POLICY, "bucket", [bucket.get("bucket")])
        found = [statements(p.get("policy")) for p in policies]
        if not policies:
            yield f"{trail.name}: its bucket {bucket.name} has no bucket policy: CloudTrail cannot write", trail.urn
            continue
        if any(not known(f) for f in found):
            continue
        listed = [s for f in found for s in f]
        for action in ("s3:GetBucketAcl", "s3:PutObject"):
            grants = [s for s in allows(listed, "cloudtrail.amazonaws.com", action) if source_bound(s)]
            if not [g for g in grants if _names_trail(g, trail.get("name"))]:
                yield (
                    f"{trail.name}: the policy of {bucket.name} does not let cloudtrail.amazonaws.com {action} for "
                    "this trail (aws:SourceArn): creating the trail fails (InsufficientS3BucketPolicyException)",
                    trail.urn,
                )
        if not any(trail.waits_for(p.urn) for p in policies):
            yield (
                f"{trail.name}: created before its bucket's policy, which CloudTrail checks when it is created",
                trail.urn,
            )
        key = key_of(stack, trail, "kmsKeyId", trail.get("kmsKeyId"))
        if key is not None:
            key_found = key_statements(stack, key)
            if known(key_found) and not allows(key_found, "cloudtrail.amazonaws.com", "kms:GenerateDataKey"):
                yield (
                    f"{key.name}: the trail's key does not let cloudtrail.amazonaws.com kms:GenerateDataKey*: "
                    "CloudTrail cannot encrypt (InsufficientEncryptionPolicyException)",
                    key.urn,
                )


def _cloudfront_waf(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for acl in stack.of(WEB_ACL, IP_SET):
        region = _region(acl)
        if acl.get("scope") == "CLOUDFRONT" and known(region) and region and region != CLOUDFRONT_WAF_REGION:
            yield (
                f"{acl.name}: scope CLOUDFRONT in {region}; CloudFront web ACLs and their IP sets exist only in "
                "us-east-1 (WAFInvalidParameterException)",
                acl.urn,
            )
    for distribution in stack.of(DISTRIBUTION):
        acl = distribution.get("webAclId")
        if known(acl) and acl and not str(acl).startswith("arn:"):
            yield (
                f"{distribution.name}: webAclId {acl!r} is an id (WAF Classic); a WAFv2 web ACL is named by its ARN",
                distribution.urn,
            )
        for web_acl in stack.of(WEB_ACL):
            if distribution.depends_on("webAclId", web_acl.urn) and web_acl.get("scope") != "CLOUDFRONT":
                yield f"{web_acl.name}: a REGIONAL web ACL cannot be attached to CloudFront", web_acl.urn


def _findings_deliverable(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for target in stack.of(EVENT_TARGET):
        topic = next((t for t in stack.of(TOPIC) if target.depends_on("arn", t.urn)), None)
        if topic is None:
            continue
        policies = [p for p in stack.of(TOPIC_POLICY) if p.depends_on("arn", topic.urn)]
        listed = [statements(p.get("policy")) for p in policies]
        if all(known(found) for found in listed):
            grants = [s for found in listed for s in allows(found, "events.amazonaws.com", "sns:Publish")]
            if not grants:
                yield (
                    f"{topic.name}: its topic policy does not let events.amazonaws.com sns:Publish: the findings of "
                    f"{target.name} never arrive",
                    topic.urn,
                )
        key_id = topic.get("kmsMasterKeyId")
        if known(key_id) and key_id and "alias/aws/" in str(key_id):
            yield (
                f"{topic.name}: encrypted with {key_id}, which EventBridge cannot use: findings are dropped",
                topic.urn,
            )
            continue
        key = key_of(stack, topic, "kmsMasterKeyId", key_id)
        key_found = key_statements(stack, key) if key is not None else []
        usable = (
            allows(key_found, "events.amazonaws.com", "kms:Decrypt", "kms:GenerateDataKey")
            if known(key_found)
            else True
        )
        if key is not None and not usable:
            yield (
                f"{key.name}: the key of topic {topic.name} does not let events.amazonaws.com kms:Decrypt and "
                "kms:GenerateDataKey*: findings are dropped",
                key.urn,
            )


def _backup_versioned(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for selection in stack.of(BACKUP_SELECTION):
        for bucket in stack.of(*S3_BUCKETS):
            if not selection.depends_on("resources", bucket.urn):
                continue
            if not versioned(stack, bucket):
                yield (
                    f"{selection.name}: selects {bucket.name}, which is not versioned: AWS Backup needs S3 versioning "
                    "to create recovery points, and every job fails",
                    selection.urn,
                )
                continue
            configs = [
                c for t in S3_VERSIONING_TOKENS for c in stack.attached(bucket, t, "bucket", [bucket.get("bucket")])
            ]
            if configs and not any(selection.waits_for(c.urn) for c in configs):
                yield (
                    f"{selection.name}: may run before {bucket.name} is versioned (wait for its versioning)",
                    selection.urn,
                )


def _config_delivery(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for channel in stack.of(CONFIG_CHANNEL):
        for bucket in stack.of(*S3_BUCKETS):
            if not _refers_to(channel, "s3BucketName", bucket, bucket.get("bucket"), bucket.get("id")):
                continue
            locks = stack.attached(bucket, OBJECT_LOCK, "bucket", [bucket.get("bucket")])
            if is_true(bucket.get("objectLockEnabled")) or locks:
                yield (
                    f"{channel.name}: delivers to {bucket.name}, which has S3 Object Lock: AWS Config does not "
                    "support such a bucket, the recorder never delivers and Security Hub's controls get no "
                    "configuration items",
                    channel.urn,
                )


def _vault_lock(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    locks = stack.of(VAULT_LOCK)
    compliance = [lock for lock in locks if lock.get("changeableForDays") is not None]
    for lock in compliance:
        days = lock.get("changeableForDays")
        if known(days) and isinstance(days, int | float) and days < MIN_COOLING_OFF_DAYS:
            yield (
                f"{lock.name}: changeableForDays {days}; AWS requires at least {MIN_COOLING_OFF_DAYS} (its cooling-off "
                "period)",
                lock.urn,
            )
    if compliance and environment_of(stack, config) != "prod":
        for lock in compliance:
            yield (
                f"{lock.name}: a compliance-mode vault lock outside prod becomes irreversible after its cooling-off "
                "days: the vault and its recovery points can never be deleted before they expire",
                lock.urn,
            )


RULES: list[StackRule] = [
    StackRule(
        name="cloudfront-can-decrypt-origin",
        area=AREA,
        description="A CloudFront distribution reading an SSE-KMS bucket through origin access control is allowed "
        "kms:Decrypt by the key's policy, for that distribution (AWS:SourceArn); the AWS-managed S3 key never is.",
        severity=Severity.HIGH,
        types=(DISTRIBUTION, *S3_BUCKETS, *S3_SSE, KMS_KEY, KMS_KEY_POLICY),
        check=_cloudfront_can_decrypt,
        cannot_see="key policies built from values unknown at preview (not judged)",
        remediation="Give the origin bucket its own key and write its policy after the distribution "
        "(aws.kms.KeyPolicy) with cloudfront.amazonaws.com kms:Decrypt on AWS:SourceArn = the distribution.",
        docs=(
            "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-restricting-access-to-s3.html#oac-permissions-sse-kms",
        ),
    ),
    StackRule(
        name="alarm-topic-key-usable",
        area=AREA,
        description="An SNS topic that AWS services publish to (CloudWatch alarms, Cost Anomaly Detection) is "
        "encrypted with a customer-managed key whose policy lets each of them kms:Decrypt and "
        "kms:GenerateDataKey* (never alias/aws/sns), and its topic policy lets each of them publish: an explicit "
        "policy replaces the default one, which lets in only the account's own principals.",
        severity=Severity.HIGH,
        types=(TOPIC, TOPIC_POLICY, ALARM, ANOMALY_SUBSCRIPTION, KMS_KEY, KMS_KEY_POLICY),
        check=_topic_key_usable,
        cannot_see="publishers in other stacks (alarms, subscriptions) that notify the topic",
        remediation="The alert channel's publishers (components/aws/monitoring.py TopicPublisher): each gets a key "
        "grant and a topic-policy statement.",
        docs=(
            "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services",
            "https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns",
            "https://docs.aws.amazon.com/cost-management/latest/userguide/ad-SNS.html",
        ),
    ),
    StackRule(
        name="asg-refresh-needs-version-number",
        area=AREA,
        description="An Auto Scaling group with instance refresh names its launch template version by number: "
        "AWS starts no refresh for $Latest (or the default version).",
        severity=Severity.MEDIUM,
        types=(GROUP,),
        check=_refresh_version,
        cannot_see="the version number itself (an output of the template, unknown at preview)",
        remediation="version = template.latest_version (as a string).",
        docs=(
            "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/autoscaling_group#instance_refresh",
        ),
    ),
    StackRule(
        name="spot-and-gpu-groups-do-not-wait",
        area=AREA,
        description="Spot and accelerated (G, P, Inf, Trn) Auto Scaling groups do not make `pulumi up` wait for "
        "capacity or fail on failed launches: spot capacity and a new account's 0-vCPU G/P quotas are outside "
        "the program's control.",
        severity=Severity.MEDIUM,
        types=(GROUP, LAUNCH_TEMPLATE),
        check=_capacity_wait,
        cannot_see="the account's quotas (docs/deploying.md lists the ones to raise)",
        remediation="wait_for_capacity_timeout='0', ignore_failed_scaling_activities=True (components/aws/compute.py).",
        docs=(
            "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/autoscaling_group#wait_for_capacity_timeout",
            "https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-instance-quotas.html",
        ),
    ),
    StackRule(
        name="vpc-flow-logs",
        area=AREA,
        description="Every VPC has a flow log; one delivered to S3 goes to a bucket whose (program-written) "
        "policy grants delivery.logs.amazonaws.com, since the grant AWS adds itself is removed by the next update.",
        severity=Severity.MEDIUM,
        types=(VPC, FLOW_LOG, *S3_BUCKETS, BUCKET_POLICY),
        check=_flow_logs,
        cannot_see="flow logs declared in another stack for the same VPC",
        remediation="aws.ec2.FlowLog to the access-log bucket (components/aws/network.py) with the log delivery "
        "grant in its bucket policy (components/aws/storage.py, log_delivery_prefix).",
        docs=(
            "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-permissions.html",
            "https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-6",
        ),
    ),
    StackRule(
        name="default-security-group-closed",
        area=AREA,
        description="Every VPC's default security group is adopted with no rules, so nothing launched without "
        "an explicit group gets 'all from itself, all out'.",
        severity=Severity.MEDIUM,
        types=(VPC, DEFAULT_SG),
        check=_default_sg_closed,
        cannot_see="resources that already use the default group (their traffic stops when the rules go)",
        remediation="aws.ec2.DefaultSecurityGroup(vpc_id=...) with no ingress and no egress.",
        docs=(
            "https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-2",
            "https://www.pulumi.com/registry/packages/aws/api-docs/ec2/defaultsecuritygroup/",
        ),
    ),
    StackRule(
        name="s3-endpoint-policy",
        area=AREA,
        description="S3 and DynamoDB VPC endpoints carry a policy: without one AWS attaches full access to any "
        "bucket of any account, an exfiltration path.",
        severity=Severity.HIGH,
        types=(ENDPOINT,),
        check=_endpoint_policy,
        cannot_see="policies built from values unknown at preview",
        remediation="Allow own-account buckets (aws:ResourceAccount) plus the AWS-owned repository buckets.",
        docs=(
            "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVpcEndpoint.html",
            "https://docs.aws.amazon.com/systems-manager/latest/userguide/ssm-agent-technical-details.html#ssm-agent-minimum-s3-permissions",
        ),
    ),
    StackRule(
        name="no-plaintext-egress",
        area=AREA,
        description="No security group allows egress to the internet on plaintext ports (HTTP 80, FTP 21, telnet 23).",
        severity=Severity.MEDIUM,
        types=(SECURITY_GROUP, SG_RULE, SG_EGRESS),
        check=_plaintext_egress,
        cannot_see="CIDRs unknown at preview",
        remediation="Egress on 443 only (components/aws/network.py).",
        docs=("https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",),
    ),
    StackRule(
        name="kms-key-policy-explicit",
        area=AREA,
        description="Every KMS key has exactly one explicit key-policy writer (inline policy or one "
        "aws.kms.KeyPolicy): the default policy can grant no service principal, and two writers overwrite each other.",
        severity=Severity.MEDIUM,
        types=(KMS_KEY, KMS_KEY_POLICY),
        check=_explicit_key_policy,
        cannot_see="key policies changed outside the stack",
        remediation="components/aws/policy_documents.py key_policy(account, *grants).",
        docs=(
            "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html",
            "https://www.pulumi.com/registry/packages/aws/api-docs/kms/keypolicy/",
        ),
    ),
    StackRule(
        name="log-group-key-usable",
        area=AREA,
        description="A CloudWatch log group encrypted with a customer key: the key policy lets the regional "
        "logs.<region>.amazonaws.com principal use it for that group (its kms:EncryptionContext:aws:logs:arn "
        "condition, if any, matches the group's name), or creating the log group fails.",
        severity=Severity.HIGH,
        types=(LOG_GROUP, KMS_KEY, KMS_KEY_POLICY),
        check=_log_group_key,
        cannot_see="the region when neither the resource nor its provider states it (any logs.*.amazonaws.com "
        "passes); group names unknown at preview",
        remediation="Grant logs.<region>.amazonaws.com with a kms:EncryptionContext:aws:logs:arn condition on the "
        "stack's own names (components/aws/functions.py log_group_prefix(ctx.prefix)).",
        docs=("https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",),
    ),
    StackRule(
        name="service-grant-has-source",
        area=AREA,
        description="Every grant to an AWS service principal in a bucket, topic, queue or key policy is tied to "
        "this account's resources (aws:SourceArn / aws:SourceAccount, or a KMS encryption-context condition).",
        severity=Severity.MEDIUM,
        types=(*SERVICE_POLICIES, KMS_KEY, KMS_KEY_POLICY),
        check=_grant_sources,
        cannot_see="policies built from values unknown at preview",
        remediation="Add aws:SourceAccount and aws:SourceArn conditions (components/aws/policy_documents.py).",
        docs=(
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html",
            "https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html",
        ),
    ),
    StackRule(
        name="nat-per-zone",
        area=AREA,
        description="In prod, each zone's private subnets egress through a NAT gateway in their own zone.",
        severity=Severity.MEDIUM,
        types=(SUBNET, ROUTE, ROUTE_TABLE, ROUTE_TABLE_ASSOCIATION, NAT_GATEWAY),
        check=_nat_per_zone,
        config=ENVIRONMENT_SCHEMA,
        cannot_see="zone names unknown at preview (looked up at deploy time)",
        remediation="aws.network.nat_per_zone: true (the default).",
        docs=("https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html",),
    ),
    StackRule(
        name="aws-budget-scoped-to-stack",
        area=AREA,
        description="An AWS budget or cost anomaly monitor that filters by tag selects this stack's own `stack` tag: "
        "stacks side by side share their environment (and account), so a filter on the environment tag counts "
        "every one of them.",
        severity=Severity.MEDIUM,
        types=(BUDGET, ANOMALY_MONITOR),
        check=_budget_scope,
        cannot_see="whether `stack` is activated as a cost allocation tag (until it is, the budget and the monitor "
        "track no spend)",
        remediation="cost_filters TagKeyValue user:stack$<token>; a CUSTOM monitor's specification Tags {Key: stack, "
        "Values: [<token>]} (components/aws/budget.py; the tag comes from PlatformConfig.tags_for).",
        docs=(
            "https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-create-filters.html",
            "https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_AnomalyMonitor.html",
            "https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/activating-tags.html",
        ),
    ),
    StackRule(
        name="subnets-in-availability-zones",
        area=AREA,
        description="Subnets are in Availability Zones, never in opted-in Local or Wavelength Zones, which the "
        "zone lookup lists too unless it filters on opt-in-status.",
        severity=Severity.MEDIUM,
        types=(SUBNET,),
        check=_availability_zones,
        cannot_see="zone names unknown at preview (looked up at deploy time)",
        remediation="get_availability_zones(filters=[{name: opt-in-status, values: [opt-in-not-required]}]).",
        docs=("https://www.pulumi.com/registry/packages/aws/api-docs/getavailabilityzones/",),
    ),
    StackRule(
        name="cloudtrail-delivery-allowed",
        area=AREA,
        description="A trail's bucket policy lets cloudtrail.amazonaws.com check the ACL and write, for this trail "
        "(aws:SourceArn), and exists before the trail; its key lets CloudTrail generate data keys.",
        severity=Severity.HIGH,
        types=(TRAIL, *S3_BUCKETS, BUCKET_POLICY, KMS_KEY, KMS_KEY_POLICY),
        check=_trail_delivery,
        cannot_see="policies built from values unknown at preview (not judged)",
        remediation="Build the trail ARN as a string from its fixed name for the grants, and create the trail "
        "after the bucket policy (components/aws/audit.py).",
        docs=(
            "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html",
            "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html",
        ),
    ),
    StackRule(
        name="cloudfront-waf-in-us-east-1",
        area=AREA,
        description="A WAFv2 web ACL (and IP set) of scope CLOUDFRONT is created in us-east-1, and the distribution "
        "names it by ARN.",
        severity=Severity.HIGH,
        types=(WEB_ACL, IP_SET, DISTRIBUTION),
        check=_cloudfront_waf,
        cannot_see="the provider's region when neither the resource nor its provider states it",
        remediation="region='us-east-1' on the web ACL; web_acl_id = web_acl.arn (components/aws/waf.py).",
        docs=(
            "https://docs.aws.amazon.com/waf/latest/developerguide/how-aws-waf-works-resources.html",
            "https://www.pulumi.com/registry/packages/aws/api-docs/cloudfront/distribution/#web_acl_id_python",
        ),
    ),
    StackRule(
        name="findings-topic-deliverable",
        area=AREA,
        description="An EventBridge rule's SNS target can receive: the topic policy lets events.amazonaws.com "
        "publish and the topic's customer key lets it encrypt (never alias/aws/sns).",
        severity=Severity.HIGH,
        types=(EVENT_TARGET, TOPIC, TOPIC_POLICY, KMS_KEY, KMS_KEY_POLICY),
        check=_findings_deliverable,
        cannot_see="policies built from values unknown at preview (not judged)",
        remediation="The monitoring topic's key and policy grant events.amazonaws.com (components/aws/monitoring.py).",
        docs=(
            "https://repost.aws/knowledge-center/sns-not-getting-eventbridge-notification",
            "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services",
        ),
    ),
    StackRule(
        name="backup-selection-versioned",
        area=AREA,
        description="AWS Backup selects only versioned S3 buckets, after their versioning exists.",
        severity=Severity.HIGH,
        types=(BACKUP_SELECTION, *S3_BUCKETS, *S3_VERSIONING_TOKENS),
        check=_backup_versioned,
        cannot_see="buckets selected by tag (selection_tags) or by ARN patterns",
        remediation="Select the stateful classes (versioned) and depend on their BucketVersioning.",
        docs=("https://docs.aws.amazon.com/aws-backup/latest/devguide/s3-backups.html",),
    ),
    StackRule(
        name="config-delivery-not-object-locked",
        area=AREA,
        description="The AWS Config delivery channel writes to a bucket without S3 Object Lock (never the locked "
        "audit bucket).",
        severity=Severity.HIGH,
        types=(CONFIG_CHANNEL, *S3_BUCKETS, OBJECT_LOCK),
        check=_config_delivery,
        cannot_see="buckets of another stack or account (named by a literal the stack does not declare)",
        remediation="Deliver to the recorder's own bucket, <s3_bucket>-<token>-config (components/aws/"
        "threat_detection.py), never the audit bucket.",
        docs=(
            "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-config-deliverychannel.html",
        ),
    ),
    StackRule(
        name="vault-lock-cooling-off",
        area=AREA,
        description="A compliance-mode vault lock has at least 3 cooling-off days, and exists in prod only (it is "
        "irreversible afterwards).",
        severity=Severity.HIGH,
        types=(VAULT_LOCK,),
        check=_vault_lock,
        config=ENVIRONMENT_SCHEMA,
        cannot_see="locks set outside the stack",
        remediation="backup.vault_lock: compliance only in prod; lock_cooling_off_days >= 3.",
        docs=(
            "https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html",
            "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-backup-backupvault-lockconfigurationtype.html",
        ),
    ),
]
