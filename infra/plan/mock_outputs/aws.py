"""Realistic outputs for the AWS resources and invokes the platform uses."""

from __future__ import annotations

from typing import Any

from infra.plan.mock_outputs import MockContext


def _arn(service: str, resource: str, ctx: MockContext, region: bool = True) -> str:
    return f"arn:aws:{service}:{ctx.region if region else ''}:{ctx.account_id}:{resource}"


def _bucket(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    bucket = inputs.get("bucket") or name
    return {
        "__id": bucket,
        "bucket": bucket,
        "arn": f"arn:aws:s3:::{bucket}",
        "bucketDomainName": f"{bucket}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{bucket}.s3.{ctx.region}.amazonaws.com",
        "region": ctx.region,
    }


def _kms_key(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    digits = ctx.short_id(name, 32)
    key_id = f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-8{digits[17:20]}-{digits[20:]}"
    return {"__id": key_id, "keyId": key_id, "arn": _arn("kms", f"key/{key_id}", ctx)}


def _named_arn(service: str, prefix: str, id_key: str = "name") -> Any:
    def rule(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
        physical = inputs.get(id_key) or f"{name}-{ctx.short_id(name, 7)}"
        return {"__id": physical, "name": physical, "arn": _arn(service, f"{prefix}{physical}", ctx, service != "iam")}

    return rule


def _ec2(kind: str) -> Any:
    def rule(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
        resource_id = f"{kind}-{ctx.short_id(name, 17)}"
        return {"__id": resource_id, "arn": _arn("ec2", f"{kind}/{resource_id}", ctx), "ownerId": ctx.account_id}

    return rule


def _launch_template(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    resource_id = f"lt-{ctx.short_id(name, 17)}"
    return {
        "__id": resource_id,
        "name": f"{inputs.get('namePrefix', name)}{ctx.short_id(name, 6)}",
        "latestVersion": 1,
        "defaultVersion": 1,
        "arn": _arn("ec2", f"launch-template/{resource_id}", ctx),
    }


def _asg(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    group = inputs.get("name") or name
    return {
        "__id": group,
        "name": group,
        "arn": _arn("autoscaling", f"autoScalingGroup:{ctx.short_id(name, 36)}:autoScalingGroupName/{group}", ctx),
    }


def _lambda(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    function = inputs.get("name") or name
    arn = _arn("lambda", f"function:{function}", ctx)
    return {
        "__id": function,
        "name": function,
        "arn": arn,
        "qualifiedArn": f"{arn}:$LATEST",
        "version": "$LATEST",
        "invokeArn": f"arn:aws:apigateway:{ctx.region}:lambda:path/2015-03-31/functions/{arn}/invocations",
    }


def _distribution(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    dist_id = "E" + ctx.short_id(name, 13).upper()
    return {
        "__id": dist_id,
        "arn": f"arn:aws:cloudfront::{ctx.account_id}:distribution/{dist_id}",
        "domainName": f"d{ctx.short_id(name, 13)}.cloudfront.net",
        "hostedZoneId": "Z2FDTNDATAQYW2",
        "status": "Deployed",
    }


def _certificate(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    cert_id = ctx.short_id(name, 36)
    domains = [inputs.get("domainName", ""), *inputs.get("subjectAlternativeNames", [])]
    return {
        "__id": cert_id,
        "arn": f"arn:aws:acm:us-east-1:{ctx.account_id}:certificate/{cert_id}",
        "domainValidationOptions": [
            {
                "domainName": d,
                "resourceRecordName": f"_{ctx.short_id(d, 32)}.{d}.",
                "resourceRecordType": "CNAME",
                "resourceRecordValue": f"_{ctx.short_id(d + 'v', 32)}.acm-validations.aws.",
            }
            for d in domains
            if d
        ],
    }


def _log_group(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    group = inputs.get("name") or name
    return {"__id": group, "name": group, "arn": _arn("logs", f"log-group:{group}", ctx)}


def _budget(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    budget = inputs.get("name") or name
    return {
        "__id": f"{ctx.account_id}:{budget}",
        "name": budget,
        "arn": f"arn:aws:budgets::{ctx.account_id}:budget/{budget}",
    }


def _vpc_endpoint(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    outputs = _ec2("vpce")(name, inputs, ctx)
    if inputs.get("vpcEndpointType", "Gateway") == "Gateway":
        outputs["prefixListId"] = f"pl-{ctx.short_id(name, 8)}"
    return outputs


def _bucket_object(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    bucket, key = inputs.get("bucket", "bucket"), inputs.get("key", name)
    return {"__id": f"{bucket}/{key}", "arn": f"arn:aws:s3:::{bucket}/{key}", "etag": ctx.short_id(name, 32)}


def _schedule(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    action = inputs.get("scheduledActionName") or name
    group = inputs.get("autoscalingGroupName", "group")
    return {
        "__id": action,
        "arn": _arn(
            "autoscaling",
            f"scheduledUpdateGroupAction:{ctx.short_id(name, 36)}:"
            f"autoScalingGroupName/{group}:scheduledActionName/{action}",
            ctx,
        ),
    }


def _cost_explorer(kind: str) -> Any:
    """Cost Explorer is global: `arn:aws:ce::<account>:<kind>/<uuid>`."""

    def rule(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
        digits = ctx.short_id(name, 32)
        resource_id = f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
        arn = f"arn:aws:ce::{ctx.account_id}:{kind}/{resource_id}"
        return {"__id": arn, "arn": arn}

    return rule


def _dashboard(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    dashboard = inputs.get("dashboardName") or name
    return {"__id": dashboard, "dashboardArn": f"arn:aws:cloudwatch::{ctx.account_id}:dashboard/{dashboard}"}


def _trail(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    trail = inputs.get("name") or name
    arn = _arn("cloudtrail", f"trail/{trail}", ctx)
    return {"__id": arn, "name": trail, "arn": arn, "homeRegion": ctx.region}


def _web_acl(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    acl, acl_id = inputs.get("name") or name, ctx.short_id(name, 36)
    scope = "global" if inputs.get("scope") == "CLOUDFRONT" else "regional"
    region = "us-east-1" if scope == "global" else inputs.get("region", ctx.region)
    arn = f"arn:aws:wafv2:{region}:{ctx.account_id}:{scope}/{'webacl' if 'rules' in inputs else 'ipset'}/{acl}/{acl_id}"
    return {"__id": acl_id, "name": acl, "arn": arn, "capacity": 1000, "lockToken": ctx.short_id(name + "lock", 36)}


def _backup_vault(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    vault = inputs.get("name") or name
    return {"__id": vault, "name": vault, "arn": _arn("backup", f"backup-vault:{vault}", ctx), "recoveryPoints": 0}


def _backup_plan(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    plan_id = ctx.short_id(name, 36)
    return {"__id": plan_id, "arn": _arn("backup", f"backup-plan:{plan_id}", ctx), "version": ctx.short_id(name, 32)}


def _event_rule(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    rule = inputs.get("name") or name
    return {"__id": rule, "name": rule, "arn": _arn("events", f"rule/{rule}", ctx)}


OUTPUTS = {
    "aws:s3/bucket:Bucket": _bucket,
    "aws:cloudtrail/trail:Trail": _trail,
    "aws:wafv2/webAcl:WebAcl": _web_acl,
    "aws:wafv2/ipSet:IpSet": _web_acl,
    "aws:backup/vault:Vault": _backup_vault,
    "aws:backup/plan:Plan": _backup_plan,
    "aws:backup/selection:Selection": lambda n, i, c: {"__id": c.short_id(n, 36)},
    "aws:guardduty/detector:Detector": lambda n, i, c: {
        "__id": c.short_id(n, 32),
        "accountId": c.account_id,
        "arn": _arn("guardduty", f"detector/{c.short_id(n, 32)}", c),
    },
    "aws:securityhub/account:Account": lambda n, i, c: {
        "__id": c.account_id,
        "arn": _arn("securityhub", "hub/default", c),
    },
    "aws:cloudwatch/eventRule:EventRule": _event_rule,
    "aws:cfg/recorder:Recorder": lambda n, i, c: {"__id": i.get("name") or n},
    "aws:cfg/deliveryChannel:DeliveryChannel": lambda n, i, c: {"__id": i.get("name") or n},
    "aws:kms/key:Key": _kms_key,
    "aws:kms/alias:Alias": _named_arn("kms", ""),
    "aws:iam/role:Role": _named_arn("iam", "role/"),
    "aws:iam/instanceProfile:InstanceProfile": _named_arn("iam", "instance-profile/"),
    "aws:sns/topic:Topic": _named_arn("sns", ""),
    "aws:cloudwatch/metricAlarm:MetricAlarm": _named_arn("cloudwatch", "alarm:"),
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:ec2/vpc:Vpc": _ec2("vpc"),
    "aws:ec2/subnet:Subnet": _ec2("subnet"),
    "aws:ec2/routeTable:RouteTable": _ec2("rtb"),
    "aws:ec2/securityGroup:SecurityGroup": _ec2("sg"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": _vpc_endpoint,
    "aws:ec2/flowLog:FlowLog": _ec2("fl"),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": _ec2("sg"),
    "aws:s3/bucketObjectv2:BucketObjectv2": _bucket_object,
    "aws:kms/keyPolicy:KeyPolicy": lambda n, i, c: {"__id": i.get("keyId", n)},
    "aws:autoscaling/schedule:Schedule": _schedule,
    "aws:ec2/internetGateway:InternetGateway": _ec2("igw"),
    "aws:ec2/natGateway:NatGateway": _ec2("nat"),
    "aws:ec2/eip:Eip": _ec2("eipalloc"),
    "aws:ec2/launchTemplate:LaunchTemplate": _launch_template,
    "aws:autoscaling/group:Group": _asg,
    "aws:lambda/function:Function": _lambda,
    "aws:cloudfront/distribution:Distribution": _distribution,
    "aws:cloudfront/originAccessControl:OriginAccessControl": _ec2("oac"),
    "aws:acm/certificate:Certificate": _certificate,
    "aws:acm/certificateValidation:CertificateValidation": lambda n, i, c: {"__id": i.get("certificateArn", n)},
    "aws:budgets/budget:Budget": _budget,
    "aws:costexplorer/anomalyMonitor:AnomalyMonitor": _cost_explorer("anomalymonitor"),
    "aws:costexplorer/anomalySubscription:AnomalySubscription": _cost_explorer("anomalysubscription"),
    "aws:cloudwatch/dashboard:Dashboard": _dashboard,
}


# The mock account has opted in to a Local Zone, as many us-east-1 accounts have: the API then
# lists it with the Availability Zones (and first, by name) unless the caller filters on
# `opt-in-status`.
LOCAL_ZONES = {"names": ["us-east-1-bos-1a"], "zoneIds": ["use1-bos1-az1"]}


def _zones(args: dict[str, Any]) -> dict[str, Any]:
    region = MockContext().region
    filters = {f.get("name"): f.get("values") for f in args.get("filters") or []}
    local = filters.get("opt-in-status") != ["opt-in-not-required"]
    names, ids = [f"{region}{z}" for z in "abcdef"], [f"use1-az{i}" for i in range(1, 7)]
    return {
        "names": (LOCAL_ZONES["names"] if local else []) + names,
        "zoneIds": (LOCAL_ZONES["zoneIds"] if local else []) + ids,
        "id": region,
        "state": args.get("state"),
    }


CALLS = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": _zones,
    "aws:index/getCallerIdentity:getCallerIdentity": lambda a: {
        "accountId": MockContext().account_id,
        "arn": f"arn:aws:iam::{MockContext().account_id}:user/mock",
        "userId": "AIDAMOCK",
        "id": MockContext().account_id,
    },
    "aws:index/getRegion:getRegion": lambda a: {
        "region": MockContext().region,
        "name": MockContext().region,
        "id": MockContext().region,
        "endpoint": f"ec2.{MockContext().region}.amazonaws.com",
        "description": "US East (N. Virginia)",
    },
    "aws:index/getPartition:getPartition": lambda a: {
        "partition": "aws",
        "dnsSuffix": "amazonaws.com",
        "reverseDnsPrefix": "com.amazonaws",
        "id": "aws",
    },
}
