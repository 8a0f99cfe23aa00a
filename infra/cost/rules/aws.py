"""AWS pricing rules, keyed by resource type token.

Instances are priced on the auto scaling group (its launch template is read for the instance
type and root volume); S3 storage on the bucket, with the tier split read from the bucket's
lifecycle configuration; everything else that AWS bills by the hour or month (NAT gateway,
public IPv4, interface endpoints, KMS keys, alarms) at its catalog price; Lambda, CloudFront
and VPC flow-log delivery from the stack's usage assumptions.

Security operations: the web ACL per ACL, rule and inspected request (`usage.waf_requests_millions`);
AWS Config per configuration item (`usage.aws_config_items`); the trail is free (the first copy of
management events) unless it records data events; GuardDuty, Security Hub and AWS Backup storage
are NOT PRICED rows until two sources agree on their rates (infra/catalog/sources/curated.csv).
"""

from __future__ import annotations

from typing import Any

from infra.config import TierMachine
from infra.cost.pricing import (
    Disk,
    FunctionReading,
    LineItem,
    PricingContext,
    Rule,
    TierReading,
    bucket_gb,
    price_function,
    price_nat,
    price_tier,
    tag_value,
    tiered_storage,
)
from infra.plan.records import ResourceRecord

P = "aws"


def _launch_template(record: ResourceRecord, ctx: PricingContext) -> dict[str, Any]:
    """The group's launch template, by id (recorded plans) or else by the `tier` tag (previews)."""
    inputs = record.inputs
    mixed = inputs.get("mixedInstancesPolicy") or {}
    spec = (mixed.get("launchTemplate") or {}).get("launchTemplateSpecification") or inputs.get("launchTemplate") or {}
    template_id = spec.get("launchTemplateId") or spec.get("id")
    template = ctx.by_id(str(template_id)) if template_id else None
    if template is None:
        tier = tag_value(inputs, "tier")
        same_tier = [
            t for t in ctx.find("aws:ec2/launchTemplate:LaunchTemplate") if tag_value(t.inputs, "tier") == tier
        ]
        template = same_tier[0] if tier and len(same_tier) == 1 else None
    return template.inputs if template else {}


def _auto_scaling_group(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    inputs = record.inputs
    template = _launch_template(record, ctx)
    mixed = inputs.get("mixedInstancesPolicy") or {}
    overrides = (mixed.get("launchTemplate") or {}).get("overrides") or []
    size = (overrides[0].get("instanceType") if overrides else None) or template.get("instanceType")
    if not size:
        raise LookupError(f"{record.name}: no instance type on the group or its launch template")
    distribution = mixed.get("instancesDistribution") or {}
    spot_fraction = 0.0
    if mixed:
        spot_fraction = 1 - float(distribution.get("onDemandPercentageAboveBaseCapacity", 100)) / 100
    minimum = int(inputs.get("minSize", 0))
    disks = tuple(
        Disk(float(ebs.get("volumeSize", 0)), str(ebs.get("volumeType", "gp3")), "root volume")
        for mapping in template.get("blockDeviceMappings") or []
        if (ebs := mapping.get("ebs") or {})
    )
    reading = TierReading(
        machine=TierMachine(str(size)),
        tier=tag_value(inputs, "tier"),
        minimum=minimum,
        desired=int(inputs.get("desiredCapacity", minimum)),
        spot_fraction=spot_fraction,
        disks=disks,
        maximum=int(inputs["maxSize"]) if inputs.get("maxSize") is not None else None,
    )
    return price_tier(ctx, P, reading)


def _bucket(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    name = str(record.inputs.get("bucket", ""))
    gb = bucket_gb(ctx.usage, name, tag_value(record.inputs, "bucket-class"))
    transitions: list[tuple[int, str]] = []
    expire: int | None = None
    for lifecycle in ctx.find("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", bucket=name):
        for rule in lifecycle.inputs.get("rules") or []:
            if rule.get("status") != "Enabled":
                continue
            transitions += [(int(t["days"]), str(t["storageClass"])) for t in rule.get("transitions") or []]
            expire = (rule.get("expiration") or {}).get("days") or expire
    usage = "usage.storage_gb" if tag_value(record.inputs, "bucket-class") else "usage.log_storage_gb"
    return [tiered_storage(ctx, P, gb, "STANDARD", transitions, expire, usage=usage)]


def _nat_gateway(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    return price_nat(ctx, P)


def _elastic_ip(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    return [ctx.charge(f"public IPv4, {ctx.hours:g} h", ctx.hours, P, "network", "public-ipv4-hour")]


def _vpc_endpoint(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    if record.inputs.get("vpcEndpointType", "Gateway") != "Interface":
        return []  # gateway endpoints (S3, DynamoDB) have no charge
    zones = len(record.inputs.get("subnetIds") or []) or 1
    return [
        ctx.charge(
            f"{zones} AZ x {ctx.hours:g} endpoint-hours", zones * ctx.hours, P, "network", "interface-endpoint-hour"
        )
    ]


def _kms_key(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    return [ctx.charge("customer managed key", 1, P, "kms", "key-month")]


def _flow_log(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    gb = ctx.usage.flow_log_gb
    if record.inputs.get("logDestinationType", "cloud-watch-logs") != "s3":
        raise LookupError(f"{record.name}: only flow logs delivered to S3 are priced")
    return [
        ctx.charge(
            f"{gb:g} GB of flow-log records delivered to S3",
            gb,
            P,
            "network",
            "flow-log-s3-gb",
            usage="usage.flow_log_gb",
        )
    ]


def _metric_alarm(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    """Billed per alarm metric: an alarm on a metric-math expression counts each metric it reads
    (e.g. an error rate of two metrics is two alarm metrics; code corpus id 71010141378)."""
    metrics = sum(1 for q in record.inputs.get("metricQueries") or [] if q.get("metric"))
    if metrics:
        label = f"standard-resolution alarm on metric math, {metrics} alarm metrics"
        return [ctx.charge(label, metrics, P, "monitoring", "standard-alarm")]
    return [ctx.charge("standard-resolution alarm", 1, P, "monitoring", "standard-alarm")]


def _dashboard(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    # Priced in full: the free tier is per account, and dev, staging, prod and people's own dashboards share it.
    label = "CloudWatch dashboard (the account's first 3 dashboards are free, shared by every stack in it)"
    return [ctx.charge(label, 1, P, "monitoring", "dashboard-month")]


def _monitoring_subscription(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    return [
        ctx.charge(
            "additional CloudFront metrics (one distribution)", 1, P, "monitoring", "cloudfront-additional-metrics"
        )
    ]


def _lambda(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    inputs = record.inputs
    memory_gb = float(inputs.get("memorySize", 128)) / 1024
    return price_function(ctx, P, FunctionReading((tag_value(inputs, "function") or "", record.name), memory_gb))


def _cloudfront(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    gb = ctx.usage.cdn_egress_gb
    return [ctx.charge(f"{gb:g} GB egress", gb, P, "cdn", "egress-gb", usage="usage.cdn_egress_gb")]


def _web_acl(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    rules = len(record.inputs.get("rules") or [])
    millions = ctx.usage.waf_requests_millions
    return [
        ctx.charge("web ACL", 1, P, "security", "waf-web-acl-month"),
        ctx.charge(f"{rules} rules (managed groups count one each)", rules, P, "security", "waf-rule-month"),
        ctx.charge(
            f"{millions:g} M requests inspected",
            millions,
            P,
            "security",
            "waf-requests",
            usage="usage.waf_requests_millions",
        ),
    ]


def _trail(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    """The first copy of management events is free; data events are billed per event, every copy."""
    selectors = record.inputs.get("advancedEventSelectors") or []
    data = [
        s
        for s in selectors
        if any(
            f.get("field") == "eventCategory" and "Data" in (f.get("equals") or [])
            for f in s.get("fieldSelectors") or []
        )
    ]
    if not data:
        return []
    return [ctx.charge("S3 data events of the stateful buckets", 1, P, "logging", "cloudtrail-data-events")]


def _guardduty(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    return [ctx.charge("CloudTrail management events, VPC flow and DNS logs analysed", 1, P, "security", "guardduty")]


# Enabled GuardDuty protection plans -> (what is billed, catalog sku); a disabled plan has no charge.
GUARDDUTY_FEATURES = {
    "S3_DATA_EVENTS": ("S3 data events analysed (S3 Protection)", "guardduty-s3-data-events"),
    "EBS_MALWARE_PROTECTION": ("EBS volumes scanned when a finding points at an instance", "guardduty-ebs-malware-gb"),
    "LAMBDA_NETWORK_LOGS": ("Lambda network activity analysed (Lambda Protection)", "guardduty-lambda-network"),
}


def _guardduty_feature(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    feature = str(record.inputs.get("name", ""))
    if record.inputs.get("status") != "ENABLED":
        return []
    found = GUARDDUTY_FEATURES.get(feature)
    if found is None:
        raise LookupError(f"{record.name}: GuardDuty feature {feature!r} has no pricing rule")
    label, sku = found
    return [ctx.charge(label, 1, P, "security", sku)]


def _security_hub(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    return [ctx.charge("security checks and finding ingestion", 1, P, "security", "security-hub")]


def _config_recorder(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    items = ctx.usage.aws_config_items
    return [
        ctx.charge(
            f"{items:g} configuration items recorded",
            items,
            P,
            "security",
            "config-item",
            usage="usage.aws_config_items",
        )
    ]


def _backup_selection(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    """Recovery points of the selected buckets: about their size (versions included) in the vault."""
    arns = [str(a) for a in record.inputs.get("resources") or []]
    gb = sum(bucket_gb(ctx.usage, arn.rsplit(":", 1)[-1]) for arn in arns if arn.startswith("arn:aws:s3:::"))
    return [
        ctx.charge(
            f"{gb:g} GB of S3 backups (warm storage)", gb, P, "backup", "s3-warm-gb-month", usage="usage.storage_gb"
        )
    ]


RULES: dict[str, Rule] = {
    "aws:autoscaling/group:Group": _auto_scaling_group,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:ec2/natGateway:NatGateway": _nat_gateway,
    "aws:ec2/eip:Eip": _elastic_ip,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _vpc_endpoint,
    "aws:kms/key:Key": _kms_key,
    "aws:ec2/flowLog:FlowLog": _flow_log,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _metric_alarm,
    "aws:lambda/function:Function": _lambda,
    "aws:cloudfront/distribution:Distribution": _cloudfront,
    "aws:cloudwatch/dashboard:Dashboard": _dashboard,
    "aws:cloudfront/monitoringSubscription:MonitoringSubscription": _monitoring_subscription,
    "aws:wafv2/webAcl:WebAcl": _web_acl,
    "aws:cloudtrail/trail:Trail": _trail,
    "aws:guardduty/detector:Detector": _guardduty,
    "aws:guardduty/detectorFeature:DetectorFeature": _guardduty_feature,
    "aws:securityhub/account:Account": _security_hub,
    "aws:cfg/recorder:Recorder": _config_recorder,
    "aws:backup/selection:Selection": _backup_selection,
}

_BUCKET_PART = "configures its bucket; storage is priced on the bucket"
_NETWORK = "VPC networking objects have no charge"
_IAM = "IAM has no charge"

FREE: dict[str, str] = {
    "aws:ec2/launchTemplate:LaunchTemplate": "priced on the auto scaling group that launches it",
    "aws:autoscaling/policy:Policy": "scaling policies (target tracking, predictive) have no charge; the instances "
    "they launch are priced on the group",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _BUCKET_PART,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _BUCKET_PART,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": _BUCKET_PART,
    "aws:s3/bucketVersioning:BucketVersioning": _BUCKET_PART,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": _BUCKET_PART,
    "aws:s3/bucketLogging:BucketLogging": _BUCKET_PART,
    "aws:s3/bucketPolicy:BucketPolicy": _BUCKET_PART,
    "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration": _BUCKET_PART,
    "aws:ec2/vpc:Vpc": _NETWORK,
    "aws:ec2/subnet:Subnet": _NETWORK,
    "aws:ec2/routeTable:RouteTable": _NETWORK,
    "aws:ec2/route:Route": _NETWORK,
    "aws:ec2/routeTableAssociation:RouteTableAssociation": _NETWORK,
    "aws:ec2/internetGateway:InternetGateway": _NETWORK,
    "aws:ec2/securityGroup:SecurityGroup": _NETWORK,
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": _NETWORK,
    "aws:autoscaling/schedule:Schedule": "scheduled actions have no charge (the instances are priced on the group)",
    "aws:kms/keyPolicy:KeyPolicy": "a key's policy has no charge (the key is priced)",
    "aws:s3/bucketObjectv2:BucketObjectv2": "the 3-byte health object inside a priced bucket",
    "aws:iam/role:Role": _IAM,
    "aws:iam/rolePolicy:RolePolicy": _IAM,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _IAM,
    "aws:iam/instanceProfile:InstanceProfile": _IAM,
    "aws:kms/alias:Alias": "aliases have no charge (the key is priced)",
    "aws:acm/certificate:Certificate": "public ACM certificates have no charge",
    "aws:acm/certificateValidation:CertificateValidation": "a validation waiter, not a billed resource",
    "aws:cloudfront/originAccessControl:OriginAccessControl": "no charge; traffic is priced on the distribution",
    "aws:budgets/budget:Budget": "cost budgets without actions have no charge",
    "aws:sns/topic:Topic": "no charge per topic; e-mail notifications are within the free tier (not modelled)",
    "aws:sns/topicSubscription:TopicSubscription": "no charge per subscription",
    "aws:sns/topicPolicy:TopicPolicy": "a topic's access policy has no charge",
    "aws:costexplorer/anomalyMonitor:AnomalyMonitor": "Cost Anomaly Detection has no charge (AWS's announcement, "
    "quoted in hashicorp/terraform-provider-aws#16137: 'the service also comes at no cost'; itskarma.wtf: 'No "
    "charge for Cost Anomaly Detection itself')",
    "aws:costexplorer/anomalySubscription:AnomalySubscription": "Cost Anomaly Detection has no charge; its SNS "
    "messages are within the free tier (not modelled)",
    "aws:cloudwatch/logGroup:LogGroup": "no charge per group; log ingestion per GB is not modelled",
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": _BUCKET_PART,
    "aws:wafv2/ipSet:IpSet": "no charge of its own; the rule that references it is priced on the web ACL",
    "aws:securityhub/standardsSubscription:StandardsSubscription": "its checks are priced on the Security Hub account",
    "aws:cfg/deliveryChannel:DeliveryChannel": "no charge; the recorder's configuration items are priced",
    "aws:cfg/recorderStatus:RecorderStatus": "no charge; the recorder's configuration items are priced",
    "aws:cloudwatch/eventRule:EventRule": "EventBridge does not charge for AWS service events on the default bus",
    "aws:cloudwatch/eventTarget:EventTarget": "targets have no charge (the SNS e-mails are within the free tier)",
    "aws:backup/vault:Vault": "no charge per vault; recovery-point storage is priced on the selection",
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": "a vault lock has no charge",
    "aws:backup/plan:Plan": "no charge per plan; recovery-point storage is priced on the selection",
}
