"""What makes `pulumi up` replace a resource instead of updating it: the table the offline diff infers from.

Pulumi decides replace or update from the provider's own Diff: bridged providers (aws, gcp,
cloudflare, digitalocean) read their upstream Terraform schema (`ForceNew`, `RequiresReplace`),
azure-native replaces when a property of the resource's URL path changes, and the engine adds
its own rules (`replace_on_changes`, a replaced provider). None of that is available offline:
the Python SDKs carry no `replace_on_changes` and only a few "forces a new resource" docstrings
(tests/infra/test_replacements.py reads those and checks they are all here). So this table
states, for every resource type the program declares, the inputs whose change forces a new
resource, each entry with where it is stated:

- `schema`: read in the provider's source at the commit named in the URL (terraform-provider-google,
  -cloudflare, -digitalocean), property by property;
- `docs`: the provider's documentation ("Forces new resource", "changing this forces a new
  resource"); terraform-provider-aws is too large to read here, so its entries come from its
  registry pages, with the Pulumi SDK's docstrings where they speak, or, where the page is silent,
  from the resource's own schema file read at the commit named in the URL (`ForceNew`);
- `azure`: azure-native replaces on a change of any parameter of the resource's ARM path
  (pulumi/pulumi-azure-native#77), and ARM itself refuses to move a resource to another location
  (`InvalidResourceLocation`, even where azure-native previews an update: #3053).

A type the program declares without an entry fails a test, as a type without a pricing rule
fails the cost model: an unknown type is never silently shown as an in-place update. Every
replacement the offline diff reports is an inference from this table, and says so.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

TF_GOOGLE = (
    "https://github.com/hashicorp/terraform-provider-google/blob/e03b7622a26cf4e878f90bdccaca6aa3d03a7999/google/"
)
TF_CLOUDFLARE = (
    "https://github.com/cloudflare/terraform-provider-cloudflare/blob/a2efdc5786ae9726d56928dbfe91933bd92404ca/"
    "internal/services/"
)
TF_DIGITALOCEAN = (
    "https://github.com/digitalocean/terraform-provider-digitalocean/blob/401992a1e493a0e3cfc833197820867991fc011f/"
    "digitalocean/"
)
TF_AWS = "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/"
TF_AWS_SOURCE = "https://github.com/hashicorp/terraform-provider-aws/blob/"
AZURE_PATH = "https://github.com/pulumi/pulumi-azure-native/issues/77"
AZURE_LOCATION = "https://github.com/pulumi/pulumi-azure-native/issues/3053"
COMMAND = "pulumi_command SDK: Command.triggers ('If the update command was provided the resource will be updated, \
otherwise it will be replaced using the create command')"

# A condition under which a listed input forces replacement: (before, after, the head's inputs) -> bool.
Condition = Callable[[Any, Any, Mapping[str, Any]], bool]


@dataclass(frozen=True)
class Forces:
    """The inputs of one resource type whose change forces a new resource, and where that is stated.

    `properties` are input paths as the plan records them (camelCase; `a.b` for a nested input;
    `*` for every input, minus `except_`). `conditions` limit a property to the changes that meet
    them (described in words for the report).
    """

    properties: tuple[str, ...]
    source: str
    except_: tuple[str, ...] = ()
    conditions: Mapping[str, tuple[Condition, str]] = field(default_factory=dict)
    # Inputs the provider neither updates nor replaces on: a change is recorded and nothing happens.
    not_applied: Mapping[str, str] = field(default_factory=dict)


def matches(pattern: str, path: str) -> bool:
    """Whether a change at `path` (`a.b[0].c`) is under `pattern` (`a`, `a.b`, `a[*]`, `*`)."""
    pattern = pattern.replace("[*]", "")
    return pattern == "*" or path == pattern or path.startswith((f"{pattern}.", f"{pattern}["))


def _cidr_not_expanded(before: Any, after: Any, _: Mapping[str, Any]) -> bool:
    try:
        old, new = ipaddress.ip_network(str(before)), ipaddress.ip_network(str(after))
    except ValueError:
        return True
    return not (old.version == new.version and old.subnet_of(new))  # type: ignore[arg-type]


def _not_interface_endpoint(_: Any, __: Any, inputs: Mapping[str, Any]) -> bool:
    return str(inputs.get("vpcEndpointType") or "Gateway") != "Interface"


def _configured(_: Any, after: Any, __: Mapping[str, Any]) -> bool:
    return after is not None


def _no_update_command(_: Any, __: Any, inputs: Mapping[str, Any]) -> bool:
    return not inputs.get("update")


def _aws(page: str, *properties: str, **kwargs: Any) -> Forces:
    return Forces(properties, TF_AWS + page, **kwargs)


def _aws_schema(path: str, commit: str, *properties: str, **kwargs: Any) -> Forces:
    """terraform-provider-aws's schema (`ForceNew`) for a resource whose registry page does not say."""
    return Forces(properties, f"{TF_AWS_SOURCE}{commit}/internal/service/{path}", **kwargs)


def _google(path: str, *properties: str, **kwargs: Any) -> Forces:
    return Forces(properties, TF_GOOGLE + path, **kwargs)


def _cloudflare(service: str, *properties: str, **kwargs: Any) -> Forces:
    return Forces(properties, f"{TF_CLOUDFLARE}{service}/schema.go", **kwargs)


def _digitalocean(path: str, *properties: str, **kwargs: Any) -> Forces:
    return Forces(properties, TF_DIGITALOCEAN + path, **kwargs)


def _azure(*path_parameters: str, location: bool = True, extra: tuple[str, ...] = (), source: str = "") -> Forces:
    """azure-native: the ARM path parameters, the location where the resource has one, and `extra`."""
    located = ("location",) if location else ()
    sources = AZURE_PATH + (f"; {AZURE_LOCATION}" if location else "") + (f"; {source}" if source else "")
    return Forces(("resourceGroupName", *path_parameters, *located, *extra), sources)


_S3_CHILD = ("bucket", "expectedBucketOwner")

FORCES: dict[str, Forces] = {
    # --- AWS (terraform-provider-aws documentation, "Forces new resource")
    "aws:acm/certificate:Certificate": _aws(
        "acm_certificate", "domainName", "subjectAlternativeNames", "validationMethod", "keyAlgorithm"
    ),
    "aws:acm/certificateValidation:CertificateValidation": _aws(
        "acm_certificate_validation", "certificateArn", "validationRecordFqdns"
    ),
    "aws:autoscaling/group:Group": _aws("autoscaling_group", "name", "namePrefix"),
    "aws:autoscaling/policy:Policy": _aws("autoscaling_policy", "autoscalingGroupName", "name"),
    "aws:autoscaling/schedule:Schedule": _aws("autoscaling_schedule", "autoscalingGroupName", "scheduledActionName"),
    "aws:backup/plan:Plan": _aws_schema("backup/plan.go", "01f431114674c27cf790fafb67ac274bf8f765e1", "name"),
    # No Update function: every argument forces a new selection.
    "aws:backup/selection:Selection": _aws_schema(
        "backup/selection.go", "00a35305dc1b297a6fcdecdfbba33f1e63c3da39", "*"
    ),
    # Read at an older stored version (aws-sdk-go v1); the vault's key is chosen at creation.
    "aws:backup/vault:Vault": _aws_schema(
        "backup/vault.go", "050ac11163cab8cdae5936a7f40b0e528ff780df", "name", "kmsKeyArn"
    ),
    # No Update function: every argument forces a new lock. Replacing deletes the lock first, which AWS
    # refuses for a compliance-mode lock once its changeable_for_days have passed: the replacement then fails.
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": _aws_schema(
        "backup/vault_lock_configuration.go", "01606926a0c0ab9174aec440f976a48b0baee722", "*"
    ),
    "aws:budgets/budget:Budget": _aws("budgets_budget", "accountId", "name", "namePrefix"),
    # The name is ForceNew (the Pulumi SDK: "Changing it recreates the resource").
    "aws:cfg/deliveryChannel:DeliveryChannel": _aws_schema(
        "configservice/delivery_channel.go", "0593466d96e383de3f75587805537f6e590ebf4e", "name"
    ),
    # Read at an older stored version; the name's ForceNew is also in the Pulumi SDK's docstring.
    "aws:cfg/recorder:Recorder": _aws_schema(
        "configservice/configuration_recorder.go", "090344804c490a98599aee521af0ce5ac61b9cb1", "name"
    ),
    "aws:cfg/recorderStatus:RecorderStatus": _aws_schema(
        "configservice/configuration_recorder_status.go",
        "013f1736b90439e5a19567a87d3e5cd11858c420",
        not_applied={
            "name": "the provider starts or stops a recorder only when isEnabled changes (name is not ForceNew): "
            "on a new name alone it records the name and the recorder it now names is left as it is (a new "
            "recorder is created stopped); replace it explicitly (pulumi up --replace <urn>) to start that one",
        },
    ),
    "aws:cloudfront/distribution:Distribution": _aws("cloudfront_distribution"),
    "aws:cloudfront/monitoringSubscription:MonitoringSubscription": _aws_schema(
        "cloudfront/monitoring_subscription.go", "509d3a661189291ef7e3752347c6455411a1bb8a", "distributionId"
    ),
    "aws:cloudfront/originAccessControl:OriginAccessControl": _aws("cloudfront_origin_access_control"),
    "aws:cloudwatch/dashboard:Dashboard": _aws_schema(
        "cloudwatch/dashboard.go", "0620f2a6a126dfcbc4aecbc9a117b0fbea1656ff", "dashboardName"
    ),
    "aws:cloudtrail/trail:Trail": _aws_schema(
        "cloudtrail/trail.go", "0a9af16a978467b3f82b89fa32e83c06ca152652", "name"
    ),
    "aws:cloudwatch/eventRule:EventRule": _aws_schema(
        "events/rule.go", "0cdab4ae09a963535e03dde0bff4784afe8e3517", "name", "namePrefix", "eventBusName"
    ),
    "aws:cloudwatch/eventTarget:EventTarget": _aws_schema(
        "events/target.go", "0762c41e2027fcd3cb8340d3e6886c6975fc0a59", "rule", "targetId", "eventBusName"
    ),
    "aws:cloudwatch/logGroup:LogGroup": _aws("cloudwatch_log_group", "name", "namePrefix", "logGroupClass"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": _aws("cloudwatch_metric_alarm", "name"),
    # Cost Explorer's UpdateAnomalyMonitor takes only a new name: the type and the specification are fixed.
    "aws:costexplorer/anomalyMonitor:AnomalyMonitor": _aws_schema(
        "ce/anomaly_monitor.go", "9173b36a64be74ef5b74ef4238035019b1a620d8", "monitorType", "monitorSpecification"
    ),
    "aws:costexplorer/anomalySubscription:AnomalySubscription": _aws_schema(
        "ce/anomaly_subscription.go", "6e94c679346125a4b2e050528ec45d940778f1fe", "name"
    ),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": _aws("default_security_group", "vpcId"),
    "aws:ec2/eip:Eip": _aws(
        "eip", "address", "customerOwnedIpv4Pool", "domain", "networkBorderGroup", "publicIpv4Pool"
    ),
    # A flow log cannot be modified: every argument but its tags forces a new one.
    "aws:ec2/flowLog:FlowLog": _aws("flow_log", "*", except_=("tags", "tagsAll")),
    "aws:ec2/internetGateway:InternetGateway": _aws("internet_gateway"),
    # Other changes make a new version of the template, in place.
    "aws:ec2/launchTemplate:LaunchTemplate": _aws("launch_template", "name", "namePrefix"),
    "aws:ec2/natGateway:NatGateway": _aws("nat_gateway", "allocationId", "connectivityType", "privateIp", "subnetId"),
    "aws:ec2/route:Route": _aws(
        "route", "routeTableId", "destinationCidrBlock", "destinationIpv6CidrBlock", "destinationPrefixListId"
    ),
    "aws:ec2/routeTable:RouteTable": _aws("route_table", "vpcId"),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": _aws("route_table_association", "subnetId", "gatewayId"),
    "aws:ec2/securityGroup:SecurityGroup": _aws("security_group", "name", "namePrefix", "description", "vpcId"),
    "aws:ec2/subnet:Subnet": _aws(
        "subnet", "availabilityZone", "availabilityZoneId", "cidrBlock", "ipv6Native", "outpostArn", "vpcId"
    ),
    "aws:ec2/vpc:Vpc": _aws("vpc", "cidrBlock", "ipv4IpamPoolId", "ipv4NetmaskLength"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": _aws(
        "vpc_endpoint",
        "serviceName",
        "serviceRegion",
        "vpcEndpointType",
        "vpcId",
        "privateDnsEnabled",
        # pulumi_aws's docstring: "If vpc_endpoint_type is anything other than Interface, changing this
        # value forces a new resource to be created."
        conditions={"privateDnsEnabled": (_not_interface_endpoint, "for an endpoint that is not of type Interface")},
    ),
    # No ForceNew argument: every input is updated in place (UpdateDetector).
    "aws:guardduty/detector:Detector": _aws_schema("guardduty/detector.go", "0060af23131fd93812a12d7c4e50f41712f39c46"),
    # The schema marks the feature's detector_id and name ForceNew, and the `name` of each element of the
    # additional_configuration set. A set element that changes is removed and added under a new hash, so any
    # change of that block is taken to force a new resource: inferred from the SDKv2 set diff, not stated.
    "aws:guardduty/detectorFeature:DetectorFeature": _aws_schema(
        "guardduty/detector_feature.go",
        "0f87934c9fc067e97a69accd14f07fbdc539e379",
        "detectorId",
        "name",
        "additionalConfigurations",
    ),
    "aws:iam/instanceProfile:InstanceProfile": _aws("iam_instance_profile", "name", "namePrefix", "path"),
    "aws:iam/role:Role": _aws("iam_role", "name", "namePrefix", "path"),
    "aws:iam/rolePolicy:RolePolicy": _aws("iam_role_policy", "name", "namePrefix", "role"),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _aws("iam_role_policy_attachment", "role", "policyArn"),
    "aws:kms/alias:Alias": _aws("kms_alias", "name", "namePrefix"),
    "aws:kms/key:Key": _aws(
        "kms_key", "customerMasterKeySpec", "customKeyStoreId", "keyUsage", "multiRegion", "xksKeyId"
    ),
    "aws:kms/keyPolicy:KeyPolicy": _aws("kms_key_policy", "keyId"),
    "aws:lambda/function:Function": _aws("lambda_function", "name", "packageType"),
    "aws:s3/bucket:Bucket": _aws("s3_bucket", "bucket", "bucketPrefix", "objectLockEnabled"),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": _aws(
        "s3_bucket_lifecycle_configuration", *_S3_CHILD
    ),
    "aws:s3/bucketLogging:BucketLogging": _aws("s3_bucket_logging", *_S3_CHILD),
    # Read at an older stored version (aws-sdk-go v1).
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": _aws_schema(
        "s3/bucket_object_lock_configuration.go",
        "01c08000ddb14181b5bd19201d8fca311dc570e4",
        *_S3_CHILD,
        "objectLockEnabled",
    ),
    "aws:s3/bucketObjectv2:BucketObjectv2": _aws("s3_object", "bucket", "key"),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _aws("s3_bucket_ownership_controls", "bucket"),
    "aws:s3/bucketPolicy:BucketPolicy": _aws("s3_bucket_policy", "bucket"),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _aws("s3_bucket_public_access_block", "bucket"),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": _aws(
        "s3_bucket_server_side_encryption_configuration", *_S3_CHILD
    ),
    "aws:s3/bucketVersioning:BucketVersioning": _aws("s3_bucket_versioning", *_S3_CHILD),
    "aws:securityhub/account:Account": _aws_schema(
        "securityhub/account.go", "0527d6a8cc68ae24169d2c8f770105e2ec946983", "enableDefaultStandards"
    ),
    # No Update function; standards_arn is its only argument.
    "aws:securityhub/standardsSubscription:StandardsSubscription": _aws_schema(
        "securityhub/standards_subscription.go", "005b5e2639279d145fe5ca87db2ad435e0ae192d", "standardsArn"
    ),
    "aws:sns/topic:Topic": _aws("sns_topic", "name", "namePrefix", "fifoTopic"),
    "aws:sns/topicSubscription:TopicSubscription": _aws("sns_topic_subscription", "topic", "protocol", "endpoint"),
    "aws:sns/topicPolicy:TopicPolicy": _aws_schema(
        "sns/topic_policy.go", "00a35305dc1b297a6fcdecdfbba33f1e63c3da39", "arn"
    ),
    "aws:wafv2/ipSet:IpSet": _aws_schema(
        "wafv2/ip_set.go", "1ea76608046c7000110f5440070b4642ae4e676d", "ipAddressVersion", "name", "scope"
    ),
    "aws:wafv2/webAcl:WebAcl": _aws_schema(
        "wafv2/web_acl.go", "0073593e7d6993ba482409f4dc35438daaa79bb3", "name", "namePrefix", "scope"
    ),
    # --- Google Cloud (terraform-provider-google schema: ForceNew)
    "gcp:billing/budget:Budget": _google("services/billingbudgets/resource_billing_budget.go", "billingAccount"),
    "gcp:cloudfunctionsv2/function:Function": _google(
        "services/cloudfunctions2/resource_cloudfunctions2_function.go", "name", "location", "project"
    ),
    "gcp:compute/backendBucket:BackendBucket": _google(
        "services/compute/resource_compute_backend_bucket.go", "name", "project", "params"
    ),
    "gcp:compute/firewall:Firewall": _google(
        "services/compute/resource_compute_firewall.go", "name", "direction", "project", "params"
    ),
    # A global address is immutable but for its labels.
    "gcp:compute/globalAddress:GlobalAddress": _google(
        "services/compute/resource_compute_global_address.go", "*", except_=("labels",)
    ),
    "gcp:compute/globalForwardingRule:GlobalForwardingRule": _google(
        "services/compute/resource_compute_global_forwarding_rule.go",
        "name",
        "description",
        "ipAddress",
        "ipProtocol",
        "ipVersion",
        "network",
        "networkTier",
        "portRange",
        "project",
        "sourceIpRanges",
        "subnetwork",
    ),
    "gcp:compute/healthCheck:HealthCheck": _google(
        "services/compute/resource_compute_health_check.go", "name", "project"
    ),
    # Instance templates are immutable: any change is a new template (the group then rolls to it).
    "gcp:compute/instanceTemplate:InstanceTemplate": _google(
        "services/compute/resource_compute_instance_template.go", "*"
    ),
    "gcp:compute/managedSslCertificate:ManagedSslCertificate": _google(
        "services/compute/resource_compute_managed_ssl_certificate.go", "*"
    ),
    "gcp:compute/network:Network": _google(
        "services/compute/resource_compute_network.go", "name", "autoCreateSubnetworks", "description", "project"
    ),
    "gcp:compute/regionAutoscaler:RegionAutoscaler": _google(
        "services/compute/resource_compute_region_autoscaler.go", "name", "region", "project"
    ),
    "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager": _google(
        "services/compute/resource_compute_region_instance_group_manager.go",
        "name",
        "baseInstanceName",
        "description",
        "distributionPolicyZones",
        "region",
        "project",
    ),
    "gcp:compute/router:Router": _google(
        "services/compute/resource_compute_router.go", "name", "network", "region", "project"
    ),
    "gcp:compute/routerNat:RouterNat": _google(
        "services/compute/resource_compute_router_nat.go", "name", "router", "region", "project", "type"
    ),
    "gcp:compute/securityPolicy:SecurityPolicy": _google(
        "services/compute/resource_compute_security_policy.go", "name", "project", "type"
    ),
    "gcp:compute/sSLPolicy:SSLPolicy": _google(
        "services/compute/resource_compute_ssl_policy.go", "name", "description", "project"
    ),
    "gcp:compute/subnetwork:Subnetwork": _google(
        "services/compute/resource_compute_subnetwork.go",
        "name",
        "network",
        "region",
        "description",
        "project",
        "ipCidrRange",
        # CustomizeDiff ForceNewIfChange(IsShrinkageIpCidr): an expansion is applied in place.
        conditions={"ipCidrRange": (_cidr_not_expanded, "unless the new range contains the old one")},
    ),
    "gcp:compute/targetHttpProxy:TargetHttpProxy": _google(
        "services/compute/resource_compute_target_http_proxy.go", "name", "description", "project"
    ),
    "gcp:compute/targetHttpsProxy:TargetHttpsProxy": _google(
        "services/compute/resource_compute_target_https_proxy.go", "name", "description", "project"
    ),
    "gcp:compute/uRLMap:URLMap": _google("services/compute/resource_compute_url_map.go", "name", "project"),
    # name from the shared sink schema (resource_logging_sink.go), project from the project sink's own.
    "gcp:logging/projectSink:ProjectSink": _google(
        "services/logging/resource_logging_project_sink.go", "name", "project"
    ),
    "gcp:monitoring/alertPolicy:AlertPolicy": _google(
        "services/monitoring/resource_monitoring_alert_policy.go", "project"
    ),
    "gcp:monitoring/dashboard:Dashboard": Forces(
        ("project",),
        "https://github.com/hashicorp/terraform-provider-google/blob/160dc8274a1e94b77c7514fd748b45333ad27d7c/"
        "google/services/monitoring/resource_monitoring_dashboard.go",
    ),
    "gcp:monitoring/notificationChannel:NotificationChannel": _google(
        "services/monitoring/resource_monitoring_notification_channel.go", "project"
    ),
    # project is ForceNew (IamProjectSchema, services/resourcemanager/iam_project.go); service is not: on a
    # new service the provider writes that service's audit config and leaves the old service's in the
    # project's IAM policy (resourceIamAuditConfigCreateUpdate removes only configs of the new service).
    "gcp:projects/iAMAuditConfig:IAMAuditConfig": _google("tpgiamresource/resource_iam_audit_config.go", "project"),
    "gcp:projects/iAMMember:IAMMember": _google(
        "tpgiamresource/resource_iam_member.go", "project", "role", "member", "condition"
    ),
    "gcp:serviceaccount/account:Account": _google(
        "services/resourcemanager/resource_google_service_account.go", "accountId", "project"
    ),
    "gcp:storage/bucket:Bucket": _google(
        "services/storage/resource_storage_bucket.go", "name", "location", "project", "customPlacementConfig"
    ),
    "gcp:storage/bucketIAMMember:BucketIAMMember": _google(
        "tpgiamresource/resource_iam_member.go", "bucket", "role", "member", "condition"
    ),
    # New content changes the object's md5 hash, whose `detect_md5hash` forces a new object.
    "gcp:storage/bucketObject:BucketObject": _google(
        "services/storage/resource_storage_bucket_object.go",
        "bucket",
        "name",
        "source",
        "content",
        "cacheControl",
        "contentDisposition",
        "contentEncoding",
        "contentLanguage",
        "contentType",
        "kmsKeyName",
        "metadata",
        "storageClass",
    ),
    # --- Azure (azure-native: ARM path parameters and location)
    "azure-native:applicationinsights:Component": _azure("resourceName"),
    "azure-native:applicationinsights:Workbook": _azure("resourceName"),
    "azure-native:authorization:RoleAssignment": Forces(
        ("scope", "roleAssignmentName", "principalId", "roleDefinitionId"),
        AZURE_PATH + "; https://learn.microsoft.com/azure/role-based-access-control/troubleshooting "
        "(RoleAssignmentUpdateNotPermitted: principal and scope cannot be updated)",
    ),
    "azure-native:cdn:AFDCustomDomain": _azure("profileName", "customDomainName", location=False),
    "azure-native:cdn:AFDEndpoint": _azure("profileName", "endpointName"),
    "azure-native:cdn:AFDOrigin": _azure("profileName", "originGroupName", "originName", location=False),
    "azure-native:cdn:AFDOriginGroup": _azure("profileName", "originGroupName", location=False),
    "azure-native:cdn:Profile": _azure("profileName"),
    "azure-native:cdn:Route": _azure("profileName", "endpointName", "routeName", location=False),
    "azure-native:cdn:Rule": _azure("profileName", "ruleSetName", "ruleName", location=False),
    "azure-native:cdn:RuleSet": _azure("profileName", "ruleSetName", location=False),
    "azure-native:cdn:SecurityPolicy": _azure("profileName", "securityPolicyName", location=False),
    "azure-native:compute:VirtualMachineScaleSet": _azure(
        "vmScaleSetName",
        extra=("orchestrationMode",),
        source="https://learn.microsoft.com/azure/virtual-machine-scale-sets/"
        "virtual-machine-scale-sets-orchestration-modes (the orchestration mode is set at creation)",
    ),
    "azure-native:consumption:Budget": Forces(("scope", "budgetName"), AZURE_PATH),
    # Scope-level (the subscription): no resource group and no location in its ARM path.
    "azure-native:costmanagement:ScheduledActionByScope": Forces(("scope", "name"), AZURE_PATH),
    "azure-native:dataprotection:BackupInstance": _azure("vaultName", "backupInstanceName", location=False),
    "azure-native:dataprotection:BackupPolicy": _azure("vaultName", "backupPolicyName", location=False),
    "azure-native:dataprotection:BackupVault": _azure("vaultName"),
    # A Front Door WAF policy's location is "Global".
    "azure-native:frontdoor:Policy": _azure("policyName"),
    "azure-native:managedidentity:UserAssignedIdentity": _azure("resourceName"),
    "azure-native:monitor:ActionGroup": _azure("actionGroupName"),
    "azure-native:monitor:AutoscaleSetting": _azure("autoscaleSettingName"),
    "azure-native:monitor:MetricAlert": _azure("ruleName"),
    # Subscription-scoped (/subscriptions/{subscriptionId}/providers/Microsoft.Insights/diagnosticSettings/
    # {name}): no resource group, no location; the subscription is the provider's.
    "azure-native:monitor:SubscriptionDiagnosticSetting": Forces(("name",), AZURE_PATH),
    "azure-native:network:NatGateway": _azure("natGatewayName"),
    "azure-native:network:NetworkSecurityGroup": _azure("networkSecurityGroupName"),
    "azure-native:network:PublicIPAddress": _azure("publicIpAddressName"),
    "azure-native:network:Subnet": _azure("virtualNetworkName", "subnetName", location=False),
    "azure-native:network:VirtualNetwork": _azure("virtualNetworkName"),
    "azure-native:operationalinsights:Table": _azure("workspaceName", "tableName", location=False),
    "azure-native:operationalinsights:Workspace": _azure("workspaceName"),
    "azure-native:resources:ResourceGroup": _azure(),
    # {scopeId}/providers/Microsoft.Security/pricings/{pricingName} (API 2024-01-01): no resource group, no location.
    "azure-native:security:Pricing": Forces(("scopeId", "pricingName"), AZURE_PATH),
    # /subscriptions/{subscriptionId}/providers/Microsoft.Security/securityContacts/{securityContactName}.
    "azure-native:security:SecurityContact": Forces(("securityContactName",), AZURE_PATH),
    "azure-native:storage:BlobContainer": _azure("accountName", "containerName", location=False),
    "azure-native:storage:BlobServiceProperties": _azure("accountName", "blobServicesName", location=False),
    "azure-native:storage:ManagementPolicy": _azure("accountName", "managementPolicyName", location=False),
    "azure-native:storage:StorageAccount": _azure(
        "accountName",
        extra=("encryption.requireInfrastructureEncryption",),
        source="https://learn.microsoft.com/azure/storage/common/infrastructure-encryption-enable "
        "(infrastructure encryption is chosen when the account is created)",
    ),
    "azure-native:web:AppServicePlan": _azure("name"),
    "azure-native:web:WebApp": _azure("name"),
    "azure-native:web:WebAppFtpAllowed": _azure("name", location=False),
    "azure-native:web:WebAppScmAllowed": _azure("name", location=False),
    # --- Cloudflare (terraform-provider-cloudflare v5 schema: RequiresReplace)
    "cloudflare:index/argoTieredCaching:ArgoTieredCaching": _cloudflare("argo_tiered_caching", "zoneId"),
    "cloudflare:index/dnsRecord:DnsRecord": _cloudflare("dns_record", "zoneId", "type"),
    "cloudflare:index/loadBalancer:LoadBalancer": _cloudflare("load_balancer", "zoneId"),
    "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor": _cloudflare("load_balancer_monitor", "accountId"),
    "cloudflare:index/loadBalancerPool:LoadBalancerPool": _cloudflare("load_balancer_pool", "accountId"),
    "cloudflare:index/notificationPolicy:NotificationPolicy": Forces(
        ("accountId",),
        "https://github.com/cloudflare/terraform-provider-cloudflare/blob/0138fc37bd1892579b579e7c3d4d5dba2d6d0aef/"
        "internal/services/notification_policy/schema.go",
    ),
    "cloudflare:index/r2Bucket:R2Bucket": _cloudflare(
        "r2_bucket",
        "accountId",
        "name",
        "location",
        conditions={"location": (_configured, "when set (RequiresReplaceIfConfigured)")},
    ),
    "cloudflare:index/r2BucketLifecycle:R2BucketLifecycle": _cloudflare(
        "r2_bucket_lifecycle", "accountId", "bucketName"
    ),
    "cloudflare:index/r2BucketLock:R2BucketLock": _cloudflare("r2_bucket_lock", "accountId", "bucketName"),
    "cloudflare:index/ruleset:Ruleset": _cloudflare("ruleset", "accountId", "zoneId", "kind", "name", "phase"),
    "cloudflare:index/tieredCache:TieredCache": _cloudflare("tiered_cache", "zoneId"),
    "cloudflare:index/workersRoute:WorkersRoute": _cloudflare("workers_route", "zoneId"),
    "cloudflare:index/workersScript:WorkersScript": _cloudflare("workers_script", "accountId", "scriptName"),
    "cloudflare:index/zoneSetting:ZoneSetting": _cloudflare("zone_setting", "zoneId", "settingId"),
    # --- DigitalOcean (terraform-provider-digitalocean schema: ForceNew)
    "digitalocean:index/app:App": _digitalocean("app/resource_app.go", "projectId"),
    "digitalocean:index/cdn:Cdn": _digitalocean("cdn/resource_cdn.go", "origin"),
    "digitalocean:index/dropletAutoscale:DropletAutoscale": _digitalocean(
        "dropletautoscale/resource_droplet_autoscale.go"
    ),
    "digitalocean:index/firewall:Firewall": _digitalocean("firewall/resource_firewall.go"),
    "digitalocean:index/monitorAlert:MonitorAlert": _digitalocean("monitoring/resource_monitor_alert.go"),
    "digitalocean:index/spacesBucket:SpacesBucket": _digitalocean(
        "spaces/resource_spaces_bucket.go",
        "region",
        not_applied={
            "name": "the provider neither renames nor replaces a Spaces bucket on a new name (no ForceNew, and its "
            "update does not read it): the bucket keeps its old name; replace it explicitly "
            "(pulumi up --replace <urn>) to move to the new one",
        },
    ),
    "digitalocean:index/spacesBucketObject:SpacesBucketObject": _digitalocean(
        "spaces/resource_spaces_bucket_object.go", "region", "bucket", "key"
    ),
    "digitalocean:index/tag:Tag": _digitalocean("tag/resource_tag.go", "name"),
    "digitalocean:index/vpc:Vpc": _digitalocean("vpc/resource_vpc.go", "region", "ipRange"),
    # --- pulumi-command
    "command:local:Command": Forces(
        (
            "create",
            "delete",
            "dir",
            "environment",
            "interpreter",
            "stdin",
            "triggers",
            "archivePaths",
            "assetPaths",
            "addPreviousOutputInEnv",
        ),
        COMMAND,
        conditions={
            name: (_no_update_command, "without an `update` command")
            for name in ("create", "delete", "dir", "environment", "interpreter", "stdin", "triggers")
        },
    ),
}

# Provider objects: configuration whose change replaces the provider and, with it, every resource it manages.
PROVIDER_FORCES: dict[str, Forces] = {
    "pulumi:providers:aws": Forces(
        ("region",),
        "https://github.com/pulumi/pulumi-aws/pull/4000 (a region change replaces every resource of the provider)",
    ),
    # Resources take the provider's project, and `project` forces a new resource on each of them.
    "pulumi:providers:gcp": Forces(("project",), TF_GOOGLE + "services/storage/resource_storage_bucket.go (project)"),
    # A resource cannot move to another subscription by an update of its ARM path.
    "pulumi:providers:azure-native": Forces(("subscriptionId",), AZURE_PATH),
    "pulumi:providers:cloudflare": Forces((), TF_CLOUDFLARE),
    "pulumi:providers:digitalocean": Forces((), TF_DIGITALOCEAN),
    "pulumi:providers:command": Forces((), COMMAND),
}


def forces_for(type_token: str) -> Forces | None:
    """The table entry of a resource or provider type; None when the type is not in the table."""
    return FORCES.get(type_token) or PROVIDER_FORCES.get(type_token)


@dataclass(frozen=True)
class Forced:
    """One input whose change forces a new resource: the input, in words when conditional, and the source."""

    property: str
    condition: str
    source: str


def forced_by(type_token: str, path: str, before: Any, after: Any, inputs: Mapping[str, Any]) -> Forced | None:
    """Whether a change of `path` forces a new resource of this type (None: an update, or not in the table)."""
    forces = forces_for(type_token)
    if forces is None or any(matches(p, path) for p in forces.except_):
        return None
    for prop in forces.properties:
        if not matches(prop, path):
            continue
        condition, described = forces.conditions.get(prop, (None, ""))
        if condition is None or condition(before, after, inputs):
            return Forced(prop if prop != "*" else path, described, forces.source)
    return None


def not_applied(type_token: str, path: str) -> str | None:
    """Why a change of `path` does nothing at all (the provider neither updates nor replaces), if it does not."""
    forces = forces_for(type_token)
    if forces is None:
        return None
    return next((why for prop, why in forces.not_applied.items() if matches(prop, path)), None)
