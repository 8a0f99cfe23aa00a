"""No public exposure: buckets, management ports, public IPs on tier instances, anonymous functions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from policy.rules.base import Finding, Res, ResourceRule, Stack, StackRule, bucket_class, get, is_true, items, known
from policy.rules.encryption import AZURE_STORAGE, GCP_INSTANCES, GCS_BUCKET, S3_BUCKETS, SPACES_BUCKET

S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
PAB_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
GCS_IAM = ("gcp:storage/bucketIAMMember:BucketIAMMember", "gcp:storage/bucketIAMBinding:BucketIAMBinding")
BACKEND_BUCKET = "gcp:compute/backendBucket:BackendBucket"
PUBLIC_OBJECT_READER = "roles/storage.legacyObjectReader"  # storage.objects.get only
AZURE_CONTAINER = "azure-native:storage:BlobContainer"
PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")
MANAGEMENT_PORTS = (22, 3389)
OPEN_SOURCES = {"0.0.0.0/0", "::/0", "*", "internet", "any", "0.0.0.0"}  # noqa: S104 (sources, not binds)

AWS_SG = "aws:ec2/securityGroup:SecurityGroup"
AWS_SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
AWS_SG_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
GCP_FIREWALL = "gcp:compute/firewall:Firewall"
AZURE_NSG = "azure-native:network:NetworkSecurityGroup"
AZURE_NSG_RULE = "azure-native:network:SecurityRule"
DO_FIREWALL = "digitalocean:index/firewall:Firewall"
FIREWALLS = (AWS_SG, AWS_SG_RULE, AWS_SG_INGRESS, GCP_FIREWALL, AZURE_NSG, AZURE_NSG_RULE, DO_FIREWALL)

AWS_INSTANCES = ("aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/instance:Instance")
AZURE_VMSS = "azure-native:compute:VirtualMachineScaleSet"
AZURE_NIC = "azure-native:network:NetworkInterface"

LAMBDA_URL = "aws:lambda/functionUrl:FunctionUrl"
LAMBDA_PERMISSION = "aws:lambda/permission:Permission"
GCP_INVOKER_IAM = (
    "gcp:cloudfunctionsv2/functionIamMember:FunctionIamMember",
    "gcp:cloudfunctionsv2/functionIamBinding:FunctionIamBinding",
    "gcp:cloudfunctions/functionIamMember:FunctionIamMember",
    "gcp:cloudfunctions/functionIamBinding:FunctionIamBinding",
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
    "gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding",
    "gcp:cloudrun/iamMember:IamMember",
    "gcp:cloudrun/iamBinding:IamBinding",
)
AZURE_FUNCTION = "azure-native:web:WebAppFunction"


def _s3_public_access_block(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for bucket in stack.of(*S3_BUCKETS):
        blocks = stack.attached(bucket, S3_PUBLIC_ACCESS_BLOCK, "bucket", [bucket.get("bucket")])
        if not blocks:
            yield f"{bucket.name}: no BucketPublicAccessBlock for this bucket", bucket.urn
            continue
        if not any(all(is_true(b.get(f)) or not known(b.get(f)) for f in PAB_FLAGS) for b in blocks):
            missing = sorted({f for b in blocks for f in PAB_FLAGS if not is_true(b.get(f))})
            yield f"{bucket.name}: public access block flags not true: {', '.join(missing)}", bucket.urn


def cdn_served_media(stack: Stack) -> set[str]:
    """URNs of media buckets a Cloud CDN backend bucket serves: the one public-read exception.

    Cloud CDN forwards unsigned requests to Cloud Storage as they are, so the objects of a
    bucket it serves to anonymous viewers must be readable by anyone (docs/gcp.md).
    """
    served: set[str] = set()
    for backend in stack.of(BACKEND_BUCKET):
        if not is_true(backend.get("enableCdn")):
            continue
        for bucket in stack.attached_to(backend, GCS_BUCKET, "bucketName", "name"):
            if bucket_class(bucket) == "media":
                served.add(bucket.urn)
    return served


def _gcs_public(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    served = cdn_served_media(stack)
    for bucket in stack.of(GCS_BUCKET):
        prevention = bucket.get("publicAccessPrevention")
        if known(prevention) and prevention != "enforced" and bucket.urn not in served:
            yield (
                f"{bucket.name}: publicAccessPrevention is {prevention or 'unset (inherited)'}; must be enforced",
                bucket.urn,
            )
        if known(bucket.get("uniformBucketLevelAccess")) and not is_true(bucket.get("uniformBucketLevelAccess")):
            yield f"{bucket.name}: uniformBucketLevelAccess must be true (no per-object ACLs)", bucket.urn
    for grant in stack.of(*GCS_IAM):
        members = [grant.get("member"), *list(items(grant.props, "members"))]
        public = [m for m in members if m in PUBLIC_MEMBERS]
        if not public:
            continue
        targets = {
            b.urn
            for b in stack.of(GCS_BUCKET)
            if grant.depends_on("bucket", b.urn) or grant.get("bucket") == b.get("name")
        }
        object_reads = grant.get("role") == PUBLIC_OBJECT_READER and public == ["allUsers"]
        if object_reads and targets and targets <= served:
            continue
        yield f"{grant.name}: grants {grant.get('role')} to {', '.join(public)}", grant.urn


def _azure_blob_public(res: Res) -> Iterator[str]:
    if res.type == AZURE_STORAGE:
        value = res.get("allowBlobPublicAccess")
        if known(value) and value is not False and str(value).lower() != "false":
            yield "allowBlobPublicAccess must be false"
        return
    access = res.get("publicAccess")
    if known(access) and access not in (None, "None"):
        yield f"publicAccess is {access}; containers must be private (None)"


def _spaces_private(res: Res) -> Iterator[str]:
    acl = res.get("acl")
    if known(acl) and acl not in (None, "private"):
        yield f"acl is {acl}; must be private"


def _ports(spec: Any) -> list[tuple[int, int]]:
    """'22', '1000-2000', '*', 'all' or '' as port ranges; empty means every port."""
    text = str(spec).strip().lower() if spec is not None else ""
    if text in ("", "*", "all", "0", "-1"):
        return [(0, 65535)]
    low, _, high = text.partition("-")
    try:
        return [(int(low), int(high or low))]
    except ValueError:
        return []


def _exposed(ranges: list[tuple[int, int]], sources: list[Any], protocol: Any) -> list[int]:
    if not any(str(s).lower() in OPEN_SOURCES for s in sources if known(s)):
        return []
    if str(protocol).lower() not in ("tcp", "6", "-1", "all", "*", "none", ""):
        return []
    return [p for p in MANAGEMENT_PORTS if any(lo <= p <= hi for lo, hi in ranges)]


def _aws_range(rule: Any) -> list[tuple[int, int]]:
    low, high = get(rule, "fromPort"), get(rule, "toPort")
    if str(get(rule, "protocol", default=get(rule, "ipProtocol"))) in ("-1", "all"):
        return [(0, 65535)]
    try:
        return [(int(low), int(high))]
    except (TypeError, ValueError):
        return []


def _ingress_entries(res: Res) -> Iterator[tuple[str, list[tuple[int, int]], list[Any], Any]]:
    """(where, port ranges, sources, protocol) of every inbound allow rule, whatever the provider."""
    if res.type == AWS_SG:
        for i, rule in enumerate(items(res.props, "ingress")):
            sources = items(rule, "cidrBlocks") + items(rule, "ipv6CidrBlocks")
            yield f"ingress[{i}]", _aws_range(rule), sources, get(rule, "protocol")
    elif res.type == AWS_SG_RULE and res.get("type") == "ingress":
        sources = items(res.props, "cidrBlocks") + items(res.props, "ipv6CidrBlocks")
        yield "rule", _aws_range(res.props), sources, res.get("protocol")
    elif res.type == AWS_SG_INGRESS:
        sources = [res.get("cidrIpv4"), res.get("cidrIpv6")]
        yield "rule", _aws_range(res.props), sources, res.get("ipProtocol")
    elif res.type == GCP_FIREWALL and str(res.get("direction", default="INGRESS")).upper() == "INGRESS":
        for i, allow in enumerate(items(res.props, "allows")):
            ports = items(allow, "ports")
            ranges = [r for p in ports for r in _ports(p)] if ports else [(0, 65535)]
            yield f"allows[{i}]", ranges, items(res.props, "sourceRanges"), get(allow, "protocol")
    elif res.type in (AZURE_NSG, AZURE_NSG_RULE):
        rules = items(res.props, "securityRules") if res.type == AZURE_NSG else [res.props]
        for i, rule in enumerate(rules):
            if str(get(rule, "direction")).lower() != "inbound" or str(get(rule, "access")).lower() != "allow":
                continue
            ports = [get(rule, "destinationPortRange"), *items(rule, "destinationPortRanges")]
            ranges = [r for p in ports if p is not None for r in _ports(p)]
            sources = [get(rule, "sourceAddressPrefix"), *items(rule, "sourceAddressPrefixes")]
            yield f"securityRules[{get(rule, 'name', default=i)}]", ranges, sources, get(rule, "protocol")
    elif res.type == DO_FIREWALL:
        for i, rule in enumerate(items(res.props, "inboundRules")):
            yield (
                f"inboundRules[{i}]",
                _ports(get(rule, "portRange")),
                items(rule, "sourceAddresses"),
                get(rule, "protocol"),
            )


def _management_ports(res: Res) -> Iterator[str]:
    for where, ranges, sources, protocol in _ingress_entries(res):
        ports = _exposed(ranges, sources, protocol)
        if ports:
            yield f"{where} opens port {', '.join(map(str, ports))} to the internet ({', '.join(map(str, sources))})"


def _public_ips(res: Res) -> Iterator[str]:
    if res.type in AWS_INSTANCES:
        interfaces = items(res.props, "networkInterfaces")
        if res.type == "aws:ec2/instance:Instance":
            interfaces = [res.props]
        for i, nic in enumerate(interfaces):
            if is_true(get(nic, "associatePublicIpAddress")):
                yield f"network interface {i}: associatePublicIpAddress is true"
    elif res.type in GCP_INSTANCES:
        for i, nic in enumerate(items(res.props, "networkInterfaces")):
            if items(nic, "accessConfigs") or items(nic, "ipv6AccessConfigs"):
                yield f"networkInterfaces[{i}] has an access config (an external IP)"
    elif res.type == AZURE_VMSS:
        configs = items(res.props, "virtualMachineProfile", "networkProfile", "networkInterfaceConfigurations")
        for nic in configs:
            for ip in items(nic, "ipConfigurations"):
                if get(ip, "publicIPAddressConfiguration"):
                    yield f"ip configuration {get(ip, 'name')} has a publicIPAddressConfiguration"
    elif res.type == AZURE_NIC:
        for ip in items(res.props, "ipConfigurations"):
            if get(ip, "publicIPAddress"):
                yield f"ip configuration {get(ip, 'name')} has a public IP address"


def _unauthenticated(res: Res) -> Iterator[str]:
    if res.type == LAMBDA_URL:
        if res.get("authorizationType") == "NONE":
            yield "function URL with authorizationType NONE (anyone can invoke)"
    elif res.type == LAMBDA_PERMISSION:
        if res.get("principal") == "*" and res.get("functionUrlAuthType") == "NONE":
            yield "permission lets anyone invoke the function URL"
    elif res.type == AZURE_FUNCTION:
        for binding in items(res.props, "config", "bindings"):
            if str(get(binding, "authLevel")).lower() == "anonymous":
                yield f"binding {get(binding, 'name')} has authLevel anonymous"
    else:
        members = [res.get("member"), *list(items(res.props, "members"))]
        public = [m for m in members if m in PUBLIC_MEMBERS]
        if public and "invoker" in str(res.get("role")).lower():
            yield f"grants {res.get('role')} to {', '.join(public)}"


RULES = [
    StackRule(
        name="s3-public-access-block",
        area="exposure",
        description="Every S3 bucket has a public access block with all four flags true.",
        severity=Severity.CRITICAL,
        types=(*S3_BUCKETS, S3_PUBLIC_ACCESS_BLOCK),
        check=_s3_public_access_block,
        cannot_see="the account-level public access block",
        remediation="Declare BucketPublicAccessBlock with block_public_acls, block_public_policy, "
        "ignore_public_acls and restrict_public_buckets all True.",
    ),
    StackRule(
        name="gcs-public-access-prevention",
        area="exposure",
        description="GCS buckets enforce public access prevention and uniform access; no allUsers grants. The one "
        "exception: object reads (roles/storage.legacyObjectReader: no listing) by allUsers on a media bucket "
        "that a Cloud CDN backend bucket serves, which unsigned CDN requests need.",
        severity=Severity.CRITICAL,
        types=(GCS_BUCKET, *GCS_IAM, BACKEND_BUCKET),
        check=_gcs_public,
        cannot_see="grants made at project or organisation level",
        remediation="public_access_prevention='enforced', uniform_bucket_level_access=True; public object reads "
        "only through the storage component's public_read for a CDN-served media class.",
    ),
    ResourceRule(
        name="azure-blob-public-access",
        area="exposure",
        description="Azure storage accounts disallow blob public access; containers are private.",
        severity=Severity.CRITICAL,
        types=(AZURE_STORAGE, AZURE_CONTAINER),
        check=_azure_blob_public,
        cannot_see="SAS tokens issued outside the stack",
        remediation="allow_blob_public_access=False; container public_access=None.",
    ),
    ResourceRule(
        name="spaces-private",
        area="exposure",
        description="DigitalOcean Spaces buckets are private.",
        severity=Severity.CRITICAL,
        types=(SPACES_BUCKET,),
        check=_spaces_private,
        cannot_see="object-level ACLs set by clients",
        remediation="acl='private'.",
    ),
    ResourceRule(
        name="no-open-management-ports",
        area="exposure",
        description="No firewall opens SSH (22) or RDP (3389) to 0.0.0.0/0 or ::/0.",
        severity=Severity.CRITICAL,
        types=FIREWALLS,
        check=_management_ports,
        cannot_see="CIDRs that are unknown at preview; rules added outside the stack",
        remediation="Use SSM Session Manager / IAP / Bastion; allow 22/3389 only from known ranges.",
    ),
    ResourceRule(
        name="no-public-ip-on-instances",
        area="exposure",
        description="Tier instances get no public IP (AWS launch templates, GCP templates, Azure scale sets).",
        severity=Severity.HIGH,
        types=(*AWS_INSTANCES, *GCP_INSTANCES, AZURE_VMSS, AZURE_NIC),
        check=_public_ips,
        cannot_see="subnets with map_public_ip_on_launch when a template leaves the choice to the subnet; "
        "DigitalOcean droplets always have a public IPv4 (their firewall is the control)",
        remediation="associate_public_ip_address='false'; no access_configs; no public_ip_address_configuration.",
    ),
    ResourceRule(
        name="no-unauthenticated-functions",
        area="exposure",
        description="No function can be invoked anonymously (Lambda URLs, GCP invoker grants, Azure authLevel).",
        severity=Severity.HIGH,
        types=(LAMBDA_URL, LAMBDA_PERMISSION, AZURE_FUNCTION, *GCP_INVOKER_IAM),
        check=_unauthenticated,
        cannot_see="an Azure function's authLevel declared in its code (function.json), not in the stack",
        remediation="authorization_type='AWS_IAM'; no allUsers invoker; authLevel function or admin.",
    ),
]
