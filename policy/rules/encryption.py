"""Encryption at rest: S3 SSE (joined per bucket), KMS rotation, CMEK where configured, Azure, disks.

Where a provider always encrypts and has nothing to configure (R2, Spaces, DigitalOcean
volumes, Google-managed keys on GCS and GCP disks), `provider-managed-encryption` states that
fact per resource as an informational note instead of passing silently.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from policy.rules.base import (
    Finding,
    Res,
    ResourceRule,
    Stack,
    StackRule,
    get,
    is_true,
    items,
    known,
)

S3_BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
S3_SSE = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
SSE_ALGORITHMS = ("aws:kms", "aws:kms:dsse", "AES256")
KMS_KEYS = ("aws:kms/key:Key", "gcp:kms/cryptoKey:CryptoKey")
GCS_BUCKET = "gcp:storage/bucket:Bucket"
GCP_INSTANCES = (
    "gcp:compute/instanceTemplate:InstanceTemplate",
    "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate",
    "gcp:compute/instance:Instance",
)
GCP_DISKS = ("gcp:compute/disk:Disk", "gcp:compute/regionDisk:RegionDisk")
AZURE_STORAGE = "azure-native:storage:StorageAccount"
AZURE_VMS = ("azure-native:compute:VirtualMachineScaleSet", "azure-native:compute:VirtualMachine")
AWS_DISKS = ("aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/volume:Volume", "aws:ec2/instance:Instance")
R2_BUCKET = "cloudflare:index/r2Bucket:R2Bucket"
SPACES_BUCKET = "digitalocean:index/spacesBucket:SpacesBucket"
DO_VOLUME = "digitalocean:index/volume:Volume"
MAX_GCP_ROTATION_S = 365 * 24 * 3600


def _s3_encrypted(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for bucket in stack.of(*S3_BUCKETS):
        algorithms = [
            get(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm")
            for token in S3_SSE
            for sse in stack.attached(bucket, token, "bucket", [bucket.get("bucket")])
            for rule in items(sse.props, "rules")
        ]
        algorithms += [
            get(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm")
            for rule in items(bucket.props, "serverSideEncryptionConfiguration", "rule")
        ]
        if not any(a in SSE_ALGORITHMS or not known(a) for a in algorithms):
            yield (
                f"{bucket.name}: S3 bucket has no aws:s3/BucketServerSideEncryptionConfiguration with "
                f"{' or '.join(SSE_ALGORITHMS)} for it (storage.<class>.encryption must stay true)",
                bucket.urn,
            )


def _key_rotation(res: Res) -> Iterator[str]:
    if res.type == "aws:kms/key:Key":
        spec = res.get("customerMasterKeySpec") or res.get("keySpec") or "SYMMETRIC_DEFAULT"
        if (
            spec == "SYMMETRIC_DEFAULT"
            and not is_true(res.get("enableKeyRotation"))
            and known(res.get("enableKeyRotation"))
        ):
            yield "KMS key rotation is off (enableKeyRotation must be true)"
        return
    period = res.get("rotationPeriod")
    if not known(period):
        return
    seconds = float(str(period).rstrip("s")) if period else None
    if seconds is None or seconds > MAX_GCP_ROTATION_S:
        yield f"Cloud KMS key rotationPeriod is {period or 'unset'}; set it to at most {MAX_GCP_ROTATION_S}s (a year)"


def _cmek_where_configured(res: Res) -> Iterator[str]:
    if res.type == GCS_BUCKET:
        block = res.get("encryption")
        if block is not None and known(block) and not res.get("encryption", "defaultKmsKeyName"):
            yield "an encryption block is set without defaultKmsKeyName (CMEK configured but empty)"
        return
    disks = items(res.props, "disks") if res.type in GCP_INSTANCES else [res.props]
    if res.type == "gcp:compute/instance:Instance":
        disks = [get(res.props, "bootDisk", default={})]
    for i, disk in enumerate(disks):
        key = get(disk, "diskEncryptionKey")
        if key is not None and known(key) and not (get(key, "kmsKeySelfLink") or get(key, "rawKey")):
            yield f"disk {i}: diskEncryptionKey is set without a key (CMEK configured but empty)"


def _azure_storage_encryption(res: Res) -> Iterator[str]:
    value = res.get("encryption", "requireInfrastructureEncryption")
    if known(value) and not is_true(value):
        yield "encryption.requireInfrastructureEncryption must be true (double encryption at rest)"


def _azure_host_encryption(res: Res) -> Iterator[str]:
    profile = res.get("virtualMachineProfile") if res.type.endswith("VirtualMachineScaleSet") else res.props
    value = get(profile, "securityProfile", "encryptionAtHost")
    if known(value) and not is_true(value):
        yield "securityProfile.encryptionAtHost must be true (temp disks and caches encrypted on the host)"


def _aws_disks(res: Res) -> Iterator[str]:
    if res.type == "aws:ec2/volume:Volume":
        if known(res.get("encrypted")) and not is_true(res.get("encrypted")):
            yield "EBS volume is not encrypted (encrypted must be true)"
        return
    if res.type == "aws:ec2/instance:Instance":
        value = res.get("rootBlockDevice", "encrypted")
        if known(value) and not is_true(value):
            yield "root block device is not encrypted (rootBlockDevice.encrypted must be true)"
    mappings = items(res.props, "blockDeviceMappings") + items(res.props, "ebsBlockDevices")
    if res.type == "aws:ec2/launchTemplate:LaunchTemplate" and not mappings:
        yield "no blockDeviceMappings: the root volume would use the AMI's (unencrypted unless the account default)"
    for mapping in mappings:
        value = get(mapping, "ebs", "encrypted") if "ebs" in mapping else get(mapping, "encrypted")
        if get(mapping, "virtualName") or not known(value):
            continue
        if not is_true(value):
            yield f"EBS volume {get(mapping, 'deviceName', default='?')} is not encrypted (ebs.encrypted must be true)"


def _always_encrypted(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for res in stack.of(R2_BUCKET):
        yield f"{res.name}: R2 encrypts every object at rest (AES-256, always on); nothing to configure", res.urn
    for res in stack.of(SPACES_BUCKET):
        yield f"{res.name}: Spaces encrypts data at rest (AES-256, always on); nothing to configure", res.urn
    for res in stack.of(DO_VOLUME):
        yield f"{res.name}: DigitalOcean volumes are encrypted at rest (LUKS, always on)", res.urn
    for res in stack.of(GCS_BUCKET):
        if not res.get("encryption", "defaultKmsKeyName"):
            yield f"{res.name}: Google-managed encryption at rest (AES-256, always on); no CMEK configured", res.urn
    for res in stack.of(*GCP_INSTANCES, *GCP_DISKS):
        disks = items(res.props, "disks") if res.type in GCP_INSTANCES else [res.props]
        if not any(get(d, "diskEncryptionKey") for d in disks):
            yield f"{res.name}: disks use Google-managed encryption at rest (always on); no CMEK configured", res.urn


RULES = [
    StackRule(
        name="s3-bucket-encryption",
        area="encryption",
        description="Every S3 bucket has default server-side encryption (SSE-KMS or SSE-S3).",
        severity=Severity.HIGH,
        types=(*S3_BUCKETS, *S3_SSE),
        check=_s3_encrypted,
        cannot_see="nothing: joined by the `bucket` property dependency, also when the bucket id is unknown",
        remediation="Keep storage.<class>.encryption true; the storage component then declares "
        "BucketServerSideEncryptionConfiguration with the stack's KMS key.",
    ),
    ResourceRule(
        name="kms-key-rotation",
        area="encryption",
        description="Customer-managed keys rotate: AWS KMS rotation on, Cloud KMS rotation at most yearly.",
        severity=Severity.MEDIUM,
        types=KMS_KEYS,
        check=_key_rotation,
        cannot_see="a rotation period computed from unknown values",
        remediation="Set enable_key_rotation=True (AWS) or rotation_period <= 31536000s (GCP).",
    ),
    ResourceRule(
        name="cmek-where-configured",
        area="encryption",
        description="Where a customer-managed key is configured (GCS buckets, GCP disks), it names a key.",
        severity=Severity.MEDIUM,
        types=(GCS_BUCKET, *GCP_INSTANCES, *GCP_DISKS),
        check=_cmek_where_configured,
        cannot_see="whether the named key exists or is usable by the service agent",
        remediation="Give encryption.default_kms_key_name / disk_encryption_key.kms_key_self_link a key, "
        "or drop the block to use Google-managed keys.",
    ),
    ResourceRule(
        name="azure-storage-infrastructure-encryption",
        area="encryption",
        description="Azure storage accounts require infrastructure (double) encryption.",
        severity=Severity.MEDIUM,
        types=(AZURE_STORAGE,),
        check=_azure_storage_encryption,
        cannot_see="nothing (a create-time setting of the account)",
        remediation="encryption=EncryptionArgs(require_infrastructure_encryption=True, ...).",
    ),
    ResourceRule(
        name="azure-encryption-at-host",
        area="encryption",
        description="Azure scale sets and VMs encrypt temp disks and caches at the host.",
        severity=Severity.MEDIUM,
        types=AZURE_VMS,
        check=_azure_host_encryption,
        cannot_see="whether the subscription has the EncryptionAtHost feature registered",
        remediation="virtual_machine_profile.security_profile.encryption_at_host=True.",
    ),
    ResourceRule(
        name="ebs-encryption",
        area="encryption",
        description="EBS volumes, launch-template and instance root volumes are encrypted.",
        severity=Severity.HIGH,
        types=AWS_DISKS,
        check=_aws_disks,
        cannot_see="volumes added outside the template (e.g. by user data) and the account's default encryption",
        remediation="ebs=LaunchTemplateBlockDeviceMappingEbsArgs(encrypted='true', ...).",
    ),
    StackRule(
        name="provider-managed-encryption",
        area="encryption",
        description="Resources a provider always encrypts at rest, stated per resource (informational).",
        severity=Severity.LOW,
        enforcement=EnforcementLevel.ADVISORY,
        informational=True,
        types=(R2_BUCKET, SPACES_BUCKET, DO_VOLUME, GCS_BUCKET, *GCP_INSTANCES, *GCP_DISKS),
        check=_always_encrypted,
        cannot_see="nothing to see: the provider offers no setting",
        remediation="None needed; a note, not a violation.",
    ),
]
