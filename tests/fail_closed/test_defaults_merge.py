"""Defaults merge key by key: a stack file that sets one leaf changes exactly that leaf.

The model's defaults and the environment profile are merged under the stack file leaf by
leaf (`infra.config.model.model_defaults`). The property test enumerates every leaf of the
defaults and the profile, overrides it alone with another valid value, and compares the
validated configurations; a few full plans confirm it where it matters (the review's cases).
"""

from __future__ import annotations

import copy
import enum
import math
import types
from collections.abc import Iterator
from typing import Any, Literal, Union, get_args, get_origin

import pytest
from pydantic import BaseModel

from infra.config import ConfigError, PlatformConfig, load_stack_file, validate
from infra.config.model import model_defaults
from infra.config.profiles import deep_merge, profile
from infra.cost import estimate
from infra.plan import Plan
from infra.plan.runner import plan_stack_file
from tests.fail_closed.conftest import shipped, write

STACK = "dev"


def leaves(document: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(path, value) of every leaf; an empty mapping or a list is a leaf."""
    if isinstance(document, dict) and document:
        for key, value in document.items():
            yield from leaves(value, (*path, str(key)))
    else:
        yield path, document


def nested(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    for key in reversed(path):
        value = {key: value}
    return value  # type: ignore[return-value]


def flat(config: PlatformConfig) -> dict[tuple[str, ...], Any]:
    return dict(leaves(config.model_dump(mode="json", by_alias=True)))


def annotation_at(path: tuple[str, ...]) -> Any:
    """The type annotation of the leaf at `path` (through blocks and dicts of blocks)."""
    annotation: Any = PlatformConfig
    for key in path:
        model = _model(annotation)
        if model is not None:
            field = next((f for n, f in model.model_fields.items() if key in (n, f.alias)), None)
            if field is None:
                return None
            annotation = field.annotation
        elif get_origin(_strip(annotation)) is dict:
            annotation = get_args(_strip(annotation))[1]
        else:
            return None
    return annotation


def _strip(annotation: Any) -> Any:
    while hasattr(annotation, "__metadata__"):
        annotation = annotation.__origin__
    return annotation


def _model(annotation: Any) -> type[BaseModel] | None:
    annotation = _strip(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType):
        return next((m for a in get_args(annotation) if (m := _model(a)) is not None), None)
    return None


# Leaves whose other valid values need domain knowledge (catalog sizes, networks, names).
KNOWN: dict[str, list[Any]] = {
    "aws.ec2_instances.compute": ["t3.xlarge"],
    "aws.ec2_instances.gpu": ["g5.xlarge"],
    "aws.ec2_instances.memory": ["r5.xlarge"],
    "aws.network.cidr": ["10.21.0.0/16"],
    "aws.lambda_functions": [{"data_analysis": False}],
    "aws.cloudfront.domains": [["dev.qmoi.ai"]],
    "gcp.billing_account": ["01A2B3-C4D5E6-F7A8B0"],
    "gcp.compute_instances.cpu.machine_type": ["n1-standard-4"],
    "gcp.compute_instances.memory.machine_type": ["n1-highmem-8"],
    "gcp.network.cidr": ["10.31.0.0/20"],
    "gcp.cloud_functions": [{"error_handling": False}],
    "gcp.cdn.domains": [["dev2.media.qmoi.ai"]],
    "azure.subscription_id": ["0b1f6471-1bf0-4dda-aec3-111122224444"],
    "azure.virtual_machines.compute": ["Standard_D4s_v3"],
    "azure.virtual_machines.memory": ["Standard_E8s_v3"],
    "azure.network.cidr": ["10.41.0.0/16"],
    "azure.network.storage_ip_rules": [["203.0.113.7"]],
    "azure.functions": [{"platform_sync": False}],
    "azure.cdn.domains": [["dev2.assets.qmoi.ai"]],
    "azure.ssh_public_keys": [
        ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGPWUG1FfKvdyf0LGJfo5Xzk3sKB4HrlOxX9xoAirRyg other"]
    ],
    "cloudflare.account_id": ["b" * 32],
    "cloudflare.load_balancer.hostname": ["app2-dev.qmoi.ai"],
    "cloudflare.load_balancer.failover_order": [["aws", "gcp"]],
    "cloudflare.load_balancer.expected_codes": ["200"],
    "digitalocean.ssh_key_fingerprints": [["3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fb"]],
    "digitalocean.vpc_cidr": ["10.60.0.0/20"],
    "digitalocean.gpu_vpc_cidr": ["10.60.16.0/20"],
    "digitalocean.functions": [{"usage_report": False}],
    "digitalocean.cdn.domains": [["dev2.cdn.qmoi.ai"]],
    "usage.function_requests": [{"revenue_processing": 2.5}],
    "aws.region": ["us-east-2"],
    "azure.region": ["eastus2"],
    "azure.virtual_machines.gpu": ["Standard_NC8as_T4_v3"],
    "digitalocean.region": ["sfo3"],
    "digitalocean.droplets.compute": ["s-2vcpu-4gb"],
    "digitalocean.droplets.memory": ["s-8vcpu-16gb"],
    **{f"storage.{c}.cors_origins": [["https://app.qmoi.ai"]] for c in ("artifacts", "caches", "backups", "media")},
}


# Leaves that select a profile, and the leaves it may raise (infra/config/security.py, COMPLIANCE).
PROFILE_RAISES: dict[tuple[str, ...], set[tuple[str, ...]]] = {
    ("compliance",): {
        ("audit", "retention_days"),
        ("audit", "data_events"),
        ("backup", "retention_days"),
        ("backup", "vault_lock"),
    }
}


def alternatives(path: tuple[str, ...], value: Any) -> list[Any]:
    """Other values for one leaf, most likely valid first; validation decides."""
    if ".".join(path) in KNOWN:
        return KNOWN[".".join(path)]
    annotation = _strip(annotation_at(path))
    options = get_args(annotation) if get_origin(annotation) in (Union, types.UnionType) else (annotation,)
    found: list[Any] = []
    for option in map(_strip, options):
        if isinstance(option, type) and issubclass(option, enum.Enum):
            found += [m.value for m in option if m.value != value]
        elif get_origin(option) is Literal:
            found += [a for a in get_args(option) if a != value]
        elif option is bool:
            found += [not value] if isinstance(value, bool) else [True, False]
        elif option in (int, float):
            base = value if isinstance(value, int | float) and not isinstance(value, bool) else 30
            found += [base + 1, base * 2, base - 1, 45, 60, 365]
        elif option is str and isinstance(value, str):
            found += [value + "x", value[:-1] + "z"]
    return [f for f in found if f != value and not (isinstance(f, float) and math.isnan(f))]


@pytest.fixture(scope="module")
def base_raw() -> dict[str, Any]:
    """The shipped dev stack's raw `qmoi-cloud:` values."""
    return load_stack_file(STACK).platform


def test_overriding_any_single_leaf_changes_exactly_that_leaf(base_raw):
    base = flat(validate(base_raw, STACK))
    document = deep_merge(model_defaults(), profile(STACK))
    tested: list[tuple[str, ...]] = []
    skipped: list[tuple[str, ...]] = []
    for path, default in leaves(document):
        for alternative in alternatives(path, base.get(path, default)):
            try:
                changed = flat(validate(deep_merge(base_raw, nested(path, alternative)), STACK))
            except ConfigError:
                continue
            differing = {p for p in set(base) | set(changed) if base.get(p) != changed.get(p)}
            # a compliance profile is a switch: it raises the values its table names to their minimums
            differing -= PROFILE_RAISES.get(path, set())
            # a dict leaf ({} or a map of functions) changes at the entries below it
            assert differing and all(p[: len(path)] == path for p in differing), (
                f"overriding {'.'.join(path)} changed {sorted(differing)}"
            )
            tested.append(path)
            break
        else:
            skipped.append(path)
    # Leaves without an easy valid alternative (regions, sizes, ids) are skipped; most have one.
    assert len(tested) >= 0.85 * (len(tested) + len(skipped)), f"too few leaves tested; skipped {skipped}"
    for must in [
        ("storage", "backups", "versioning"),
        ("storage", "artifacts", "encryption"),
        ("storage", "backups", "retention_days"),
        ("usage", "storage_gb", "caches"),
        ("cloudflare", "load_balancer", "steering"),
        ("autoscaling", "gpu", "max"),
    ]:
        assert must in tested


def test_turning_off_encryption_of_one_class_alone_is_accepted_and_changes_only_that(base_raw):
    config = validate(deep_merge(base_raw, {"storage": {"artifacts": {"encryption": False}}}), STACK)
    default = validate(base_raw, STACK)
    assert config.storage.artifacts.encryption is False
    assert config.storage.artifacts.model_copy(update={"encryption": True}) == default.storage.artifacts
    assert config.storage.backups == default.storage.backups


def test_setting_backup_versioning_keeps_lifecycle_retention_and_lock_in_the_plan(tmp_path, dev_plan):
    document = shipped(STACK)
    document["config"]["qmoi-cloud:storage"] = {"backups": {"versioning": True}}
    plan = plan_stack_file(load_stack_file(STACK, write(tmp_path, document)))
    assert plan.config is not None and plan.config.storage == dev_plan.config.storage
    assert [r.to_json() for r in plan.resources] == [r.to_json() for r in dev_plan.resources]
    # what the review saw dropped: the backup lifecycle, Azure's 30-day delete retention, the R2 lock
    assert plan.of_type("cloudflare:index/r2BucketLock:R2BucketLock")
    # the data account (the one holding the backups container) keeps its 30-day delete retention
    assert plan.named("qmoi-azure-storage-blob-service").inputs["deleteRetentionPolicy"]["days"] == 30


def test_one_storage_class_in_usage_keeps_the_other_classes_sizes(dev_plan, base_raw):
    config = validate(deep_merge(base_raw, {"usage": {"storage_gb": {"artifacts": 50}}}), STACK)
    assert config.usage.storage_gb == dev_plan.config.usage.storage_gb
    priced = estimate(Plan(stack=STACK, resources=dev_plan.resources, config=config))
    assert priced.total_usd == pytest.approx(estimate(dev_plan).total_usd)


def test_a_field_written_by_its_name_meets_the_default_written_by_its_alias(base_raw):
    raw = copy.deepcopy(base_raw)
    raw["gcp"]["compute_instances"] = {"compute": "n1-standard-4"}
    config = validate(raw, STACK)
    assert config.gcp.compute_instances.compute.machine_type == "n1-standard-4"
    assert config.gcp.compute_instances.gpu.accelerator == "nvidia-tesla-t4"
