"""Data safety: versioning on stateful buckets, retention on backups, protection of prod's stateful resources.

A bucket's class comes from its `bucket-class` tag/label, else from its name's suffix
(`...-artifacts`, `...-backups`). Azure versioning and retention live on the account's
BlobServiceProperties, joined to a container through their common `accountName`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from policy.rules.base import (
    STATEFUL_BUCKET_CLASSES,
    Finding,
    NotEvaluated,
    Res,
    Stack,
    StackRule,
    bucket_class,
    get,
    is_true,
    items,
    known,
    stack_configuration,
    tag_map,
)
from policy.rules.encryption import AZURE_STORAGE, GCS_BUCKET, KMS_KEYS, R2_BUCKET, S3_BUCKETS, SPACES_BUCKET
from policy.rules.exposure import AZURE_CONTAINER

S3_VERSIONING = ("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")
S3_LIFECYCLE = (
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
)
AZURE_BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
AZURE_MANAGEMENT_POLICY = "azure-native:storage:ManagementPolicy"
R2_LIFECYCLE = "cloudflare:index/r2BucketLifecycle:R2BucketLifecycle"
R2_LOCK = "cloudflare:index/r2BucketLock:R2BucketLock"
BUCKETS = (*S3_BUCKETS, GCS_BUCKET, SPACES_BUCKET, R2_BUCKET, AZURE_CONTAINER)
# Always stateful, whatever their name: keys (losing one loses the data it encrypts), volumes, accounts.
STATEFUL_TYPES = (
    *KMS_KEYS,
    "gcp:kms/keyRing:KeyRing",
    AZURE_STORAGE,
    "azure-native:keyvault:Vault",
    "aws:ec2/volume:Volume",
    "gcp:compute/disk:Disk",
    "digitalocean:index/volume:Volume",
)


def _same_account(stack: Stack, container: Res, token: str) -> list[Res]:
    accounts = set(container.property_dependencies.get("accountName", []))
    name = container.get("accountName")
    return [
        r
        for r in stack.of(token)
        if accounts & set(r.property_dependencies.get("accountName", []))
        or (known(name) and name and r.get("accountName") == name)
    ]


def versioned(stack: Stack, bucket: Res) -> bool | None:
    """True/False, or None when the provider has no object versioning (R2)."""
    if bucket.type in S3_BUCKETS:
        configs = [v for t in S3_VERSIONING for v in stack.attached(bucket, t, "bucket", [bucket.get("bucket")])]
        statuses = [c.get("versioningConfiguration", "status") for c in configs]
        return any(s == "Enabled" or not known(s) for s in statuses) or is_true(bucket.get("versioning", "enabled"))
    if bucket.type in (GCS_BUCKET, SPACES_BUCKET):
        value = bucket.get("versioning", "enabled")
        return is_true(value) or not known(value)
    if bucket.type == AZURE_CONTAINER:
        value = [s.get("isVersioningEnabled") for s in _same_account(stack, bucket, AZURE_BLOB_SERVICE)]
        return any(is_true(v) or not known(v) for v in value)
    return None


def _versioning(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for bucket in stack.of(*BUCKETS):
        if bucket_class(bucket) in STATEFUL_BUCKET_CLASSES and versioned(stack, bucket) is False:
            yield f"{bucket.name}: {bucket_class(bucket)} bucket is not versioned", bucket.urn


def _enabled_rules(rules: list[Any]) -> bool:
    return any(str(get(r, "status", default="Enabled")) == "Enabled" or is_true(get(r, "enabled")) for r in rules)


def _retained(stack: Stack, bucket: Res) -> bool:
    if bucket.type in S3_BUCKETS:
        configs = [c for t in S3_LIFECYCLE for c in stack.attached(bucket, t, "bucket", [bucket.get("bucket")])]
        return any(_enabled_rules(items(c.props, "rules")) for c in configs) or bool(
            items(bucket.props, "lifecycleRules")
        )
    if bucket.type == GCS_BUCKET:
        return bool(
            items(bucket.props, "lifecycleRules")
            or bucket.get("softDeletePolicy", "retentionDurationSeconds")
            or bucket.get("retentionPolicy")
        )
    if bucket.type == SPACES_BUCKET:
        return any(is_true(get(r, "enabled")) for r in items(bucket.props, "lifecycleRules"))
    if bucket.type == R2_BUCKET:
        names = [bucket.get("name")]
        return bool([r for t in (R2_LIFECYCLE, R2_LOCK) for r in stack.attached(bucket, t, "bucketName", names)])
    if bucket.type == AZURE_CONTAINER:
        services = _same_account(stack, bucket, AZURE_BLOB_SERVICE)
        return any(is_true(s.get("deleteRetentionPolicy", "enabled")) for s in services) or bool(
            _same_account(stack, bucket, AZURE_MANAGEMENT_POLICY)
        )
    return True


def _backup_retention(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for bucket in stack.of(*BUCKETS):
        if bucket_class(bucket) == "backups" and not _retained(stack, bucket):
            yield f"{bucket.name}: backups bucket has no lifecycle or retention rule", bucket.urn


def stateful(res: Res) -> bool:
    return res.type in STATEFUL_TYPES or (res.type in BUCKETS and bucket_class(res) in STATEFUL_BUCKET_CLASSES)


ENVIRONMENTS = ("dev", "staging", "prod")


def environment_of(stack: Stack, config: Mapping[str, Any]) -> str:
    """The stack's environment: the pack config's, else the stack configuration's, else its resources'
    `environment` tags (prod if any says prod), else its name; NotEvaluated when nothing tells."""
    if config.get("environment") in ENVIRONMENTS:
        return str(config["environment"])
    try:
        return str(stack_configuration().environment.value)
    except NotEvaluated as exc:
        reason = exc.reason
    tagged = {str(tag_map(r).get("environment")) for r in stack.resources} & set(ENVIRONMENTS)
    if tagged:
        return "prod" if "prod" in tagged else tagged.pop()
    name = os.environ.get("PULUMI_STACK", "")
    if name in ENVIRONMENTS:
        return name
    raise NotEvaluated(
        "the environment is not in the pack config (environment), and neither the stack's configuration "
        f"({reason}), its resources' environment tags nor its name {name!r} tell it"
    )


def _prod_protected(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    if environment_of(stack, config) != "prod":
        return
    for res in stack.resources:
        if stateful(res) and not res.protect:
            yield f"{res.name}: stateful resource in prod without protect (and retain_on_delete)", res.urn


ENVIRONMENT_SCHEMA = {"environment": {"type": "string", "enum": ["dev", "staging", "prod"]}}

RULES = [
    StackRule(
        name="stateful-bucket-versioning",
        area="data safety",
        description="Artifact and backup buckets keep object versions.",
        severity=Severity.HIGH,
        types=(*BUCKETS, *S3_VERSIONING, AZURE_BLOB_SERVICE),
        check=_versioning,
        cannot_see="R2 has no object versioning (its backups rely on retention/lock instead)",
        remediation="Keep storage.<class>.versioning true for artifacts and backups.",
    ),
    StackRule(
        name="backup-retention",
        area="data safety",
        description="Backup buckets have a lifecycle or retention rule.",
        severity=Severity.MEDIUM,
        types=(*BUCKETS, *S3_LIFECYCLE, AZURE_BLOB_SERVICE, AZURE_MANAGEMENT_POLICY, R2_LIFECYCLE, R2_LOCK),
        check=_backup_retention,
        cannot_see="whether the retention window meets a recovery objective (only that one exists)",
        remediation="Keep storage.backups lifecycle/retention settings; the storage components declare them.",
    ),
    StackRule(
        name="prod-stateful-protected",
        area="data safety",
        description="In prod, every stateful resource (stateful buckets, keys, volumes, accounts) is protected.",
        severity=Severity.HIGH,
        types=(*BUCKETS, *STATEFUL_TYPES),
        check=_prod_protected,
        config=ENVIRONMENT_SCHEMA,
        cannot_see="retain_on_delete (the Analyzer protocol carries protect, not retainOnDelete); without an "
        "environment in the pack config it is taken from the stack (configuration, tags, name), else the rule fails",
        remediation="Create stateful children with ctx.child(self, stateful=True).",
    ),
]
