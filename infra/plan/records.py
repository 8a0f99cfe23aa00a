"""The plan's record types: one registration (`ResourceRecord`) and everything one run declared (`Plan`).

A leaf module: the cost model, the policy runner, the reports and the policy pack read
plans through these types without importing the mock runtime that records them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from infra.config import NAMESPACE, PlatformConfig

# Type-token packages whose provider name differs from the package name.
_PACKAGE_PROVIDERS = {"azure-native": "azure"}
PROVIDER_TYPE_PREFIX = "pulumi:providers:"
# The version of the plan JSON (`python -m infra plan --format json`, docs/cost.md). Raise it when a
# key changes meaning or a reader would misread an older document; `plan --compare` reads older ones.
# 2: `schemaVersion`; archives as a path relative to the project plus their content digest; the
#    engine options the diff needs (replaceOnChanges, ignoreChanges, deleteBeforeReplace, aliases).
PLAN_SCHEMA_VERSION = 2


def counts_as_resource(type_token: str, custom: bool) -> bool:
    """What every report counts as "a resource": one a provider manages (not a component, not a provider object).

    The one definition behind the counts of the text, JSON and Markdown reports, the README, the
    cost model and the policy check (`Plan.resource_count`, `ResourceRecord.is_resource`).
    """
    return custom and not type_token.startswith(PROVIDER_TYPE_PREFIX)


def provider_of(type_token: str) -> str:
    """The provider a type token belongs to.

    `aws:s3/bucket:Bucket` -> aws, `azure-native:storage:Blob` -> azure, our components
    `qmoi:gcp:Storage` -> gcp, provider objects `pulumi:providers:aws` -> aws.
    """
    parts = type_token.split(":")
    if parts[0] == "qmoi" and len(parts) > 1:
        return parts[1]
    if parts[0] == "pulumi" and len(parts) > 2 and parts[1] == "providers":
        return _PACKAGE_PROVIDERS.get(parts[2], parts[2])
    return _PACKAGE_PROVIDERS.get(parts[0], parts[0])


@dataclass
class ResourceRecord:
    """One registration as the engine saw it. `inputs` has secrets redacted."""

    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    protect: bool
    retain_on_delete: bool
    provider: str | None
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    inputs: dict[str, Any]
    id: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    # Engine options the offline diff needs to say what `pulumi preview` would do.
    replace_on_changes: list[str] = field(default_factory=list)
    ignore_changes: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    aliases: list[str] = field(default_factory=list)  # URNs this resource was known by

    @property
    def cloud(self) -> str:
        """The provider this resource belongs to (see `provider_of`)."""
        return provider_of(self.type)

    @property
    def is_resource(self) -> bool:
        """Counted as a resource (see `counts_as_resource`)."""
        return counts_as_resource(self.type, self.custom)

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "custom": self.custom,
            "protect": self.protect,
            "retainOnDelete": self.retain_on_delete,
            "provider": self.provider,
            "dependencies": self.dependencies,
            "propertyDependencies": self.property_dependencies,
            "props": self.inputs,
            "replaceOnChanges": self.replace_on_changes,
            "ignoreChanges": self.ignore_changes,
            "deleteBeforeReplace": self.delete_before_replace,
            "aliases": self.aliases,
        }


@dataclass
class Plan:
    """Everything one run declared, sorted by URN."""

    stack: str
    resources: list[ResourceRecord]
    outputs: dict[str, Any] = field(default_factory=dict)
    config: PlatformConfig | None = None
    warnings: list[str] = field(default_factory=list)  # what the run could not settle offline (e.g. unset secrets)

    def of_type(self, type_token: str) -> list[ResourceRecord]:
        return [r for r in self.resources if r.type == type_token]

    def named(self, name: str) -> ResourceRecord:
        matches = [r for r in self.resources if r.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources named {name!r}")
        return matches[0]

    def by_urn(self, urn: str) -> ResourceRecord | None:
        return next((r for r in self.resources if r.urn == urn), None)

    def children(self, parent: ResourceRecord) -> list[ResourceRecord]:
        return [r for r in self.resources if r.parent == parent.urn]

    def custom(self) -> Iterator[ResourceRecord]:
        """Resources a provider manages (not components, not provider objects): `counts_as_resource`."""
        return (r for r in self.resources if r.is_resource)

    @property
    def resource_count(self) -> int:
        """How many resources the plan declares, as every report counts them."""
        return sum(1 for _ in self.custom())

    def type_counts(self) -> Counter[str]:
        return Counter(r.type for r in self.resources)

    def to_json(self) -> dict[str, Any]:
        return {
            "schemaVersion": PLAN_SCHEMA_VERSION,
            "stack": self.stack,
            "project": NAMESPACE,
            "resourceCount": self.resource_count,
            "resources": [r.to_json() for r in self.resources],
            "outputs": self.outputs,
            "warnings": self.warnings,
        }
