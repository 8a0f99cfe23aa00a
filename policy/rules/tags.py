"""Required tags/labels on every taggable resource of every provider.

Taggability comes from a maintained list (`TAGGABLE`; a drift test against the SDKs'
input schemas is still to be written: see docs/policy.md),
plus any resource that carries a `tags`/`labels` property. AWS provider `defaultTags` and
GCP provider `defaultLabels` count, as the providers merge them into every resource.
"""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import Severity

from policy.rules.base import Res, ResourceRule, get, known, provider_of, tag_map

REQUIRED_TAGS = ("environment", "stack", "project", "owner", "cost-center")

TAGGABLE: frozenset[str] = frozenset(
    {
        # aws
        "aws:acm/certificate:Certificate",
        "aws:autoscaling/group:Group",
        "aws:budgets/budget:Budget",
        "aws:cloudfront/distribution:Distribution",
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "aws:ec2/eip:Eip",
        "aws:ec2/instance:Instance",
        "aws:ec2/internetGateway:InternetGateway",
        "aws:ec2/launchTemplate:LaunchTemplate",
        "aws:ec2/natGateway:NatGateway",
        "aws:ec2/routeTable:RouteTable",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:ec2/subnet:Subnet",
        "aws:ec2/volume:Volume",
        "aws:ec2/vpc:Vpc",
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        "aws:iam/instanceProfile:InstanceProfile",
        "aws:iam/role:Role",
        "aws:kms/key:Key",
        "aws:lambda/function:Function",
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketV2:BucketV2",
        "aws:sns/topic:Topic",
        # gcp (labels)
        "gcp:storage/bucket:Bucket",
        "gcp:compute/instanceTemplate:InstanceTemplate",
        "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate",
        "gcp:compute/instance:Instance",
        "gcp:compute/disk:Disk",
        "gcp:compute/globalForwardingRule:GlobalForwardingRule",
        "gcp:compute/globalAddress:GlobalAddress",
        "gcp:cloudfunctionsv2/function:Function",
        "gcp:kms/cryptoKey:CryptoKey",
        # azure
        "azure-native:resources:ResourceGroup",
        "azure-native:storage:StorageAccount",
        "azure-native:network:VirtualNetwork",
        "azure-native:network:NetworkSecurityGroup",
        "azure-native:network:PublicIPAddress",
        "azure-native:network:NatGateway",
        "azure-native:compute:VirtualMachineScaleSet",
        "azure-native:web:AppServicePlan",
        "azure-native:web:WebApp",
        "azure-native:cdn:Profile",
        "azure-native:cdn:AFDEndpoint",
        "azure-native:insights:Component",
        "azure-native:insights:ActionGroup",
        "azure-native:insights:MetricAlert",
        "azure-native:insights:AutoscaleSetting",
        "azure-native:operationalinsights:Workspace",
        "azure-native:managedidentity:UserAssignedIdentity",
        # digitalocean (tags are 'key:value' strings)
        "digitalocean:index/droplet:Droplet",
        "digitalocean:index/volume:Volume",
        "digitalocean:index/dropletAutoscale:DropletAutoscale",
    }
)
# Types whose tags sit in a nested block (the template every droplet of the pool gets).
NESTED_TAGS = {"digitalocean:index/dropletAutoscale:DropletAutoscale": "dropletTemplate"}


def tag_property(type_token: str) -> str:
    return "labels" if provider_of(type_token) == "gcp" else "tags"


def _defaults(res: Res) -> dict[str, str]:
    defaults = get(res.provider_props, "defaultTags", "tags") or get(res.provider_props, "defaultLabels") or {}
    if isinstance(defaults, str):  # provider config arrives JSON-encoded
        import json

        try:
            defaults = json.loads(defaults)
            defaults = defaults.get("tags", defaults) if isinstance(defaults, dict) else {}
        except ValueError:
            defaults = {}
    return {str(k): str(v) for k, v in dict(defaults).items()} if known(defaults) else {}


# On these providers `tags` on most resources select targets (DigitalOcean firewalls and alerts
# apply to droplets with those tags), so only the listed types are taggable.
LISTED_ONLY = frozenset({"digitalocean", "cloudflare"})


def taggable(res: Res) -> bool:
    if res.type in TAGGABLE:
        return True
    return provider_of(res.type) not in LISTED_ONLY and res.get(tag_property(res.type)) is not None


def _required_tags(res: Res) -> Iterator[str]:
    if res.type in NESTED_TAGS:
        res = Res(res.type, res.name, res.urn, res.get(NESTED_TAGS[res.type], default={}), res.protect)
    if not taggable(res) or not known(res.get(tag_property(res.type))):
        return
    present = _defaults(res) | tag_map(res)
    missing = [k for k in REQUIRED_TAGS if not present.get(k)]
    if missing:
        yield f"missing required {tag_property(res.type)}: {', '.join(missing)}"


def _taggable_types() -> tuple[str, ...]:
    return tuple(sorted(TAGGABLE))


RULES = [
    ResourceRule(
        name="required-tags",
        area="tags",
        description="Every taggable resource carries environment, stack, project, owner and cost-center tags/labels.",
        severity=Severity.LOW,
        types=_taggable_types(),
        any_type=True,
        check=_required_tags,
        cannot_see="tags added by the provider after creation; Cloudflare resources (few support tags)",
        remediation="Pass tags=ctx.tags (labels=ctx.tags on GCP; 'key:value' tags on DigitalOcean).",
    ),
]
