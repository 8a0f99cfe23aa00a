"""Pulumi mocks that answer like the clouds do, and a monitor that records every registration.

`PlatformMocks.new_resource` echoes a resource's inputs and adds the outputs a real
provider computes (ids, ARNs, self links, domain names), so dependent resources see
plausible values. Per-provider output rules live in `infra/plan/mock_outputs/<provider>.py`,
loaded only for providers a plan uses. Tests can override any output by resource name.

`RecordingMonitor` sees the whole `RegisterResourceRequest` (parent, protect,
dependencies, retainOnDelete, replaceOnChanges, aliases, ...) that `Mocks.new_resource`
never gets.

What is recorded depends only on the program and its inputs, never on the machine: files
(function packages) are recorded by their path relative to the project and a digest of their
content, so the same commit planned in two checkouts gives byte-identical JSON.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs

from infra.config import ROOT, tree_digest
from infra.plan.mock_outputs import MockContext, OutputRule
from infra.plan.records import ResourceRecord, provider_of

SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"  # noqa: S105 (wire-format marker, not a secret)
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
ASSET_SIGS = {"c44067f5952c0a294b673a41bacd8c17": "asset", "0def7320c3a5731c473e5ecbe6d01bc7": "archive"}
SIG_KEY = "4dabf18193072939515e22adb298388d"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
REDACTED = "[secret]"


def _rules(package: str) -> tuple[dict[str, OutputRule], dict[str, Callable[[dict[str, Any]], dict[str, Any]]]]:
    """Output and call rules of one provider package, imported on first use."""
    try:
        module = importlib.import_module(f"infra.plan.mock_outputs.{provider_of(package)}")
    except ModuleNotFoundError:
        return {}, {}
    return module.OUTPUTS, module.CALLS


class PlatformMocks(pulumi.runtime.Mocks):
    """Mocks with realistic outputs; `overrides` maps a resource name to outputs to force."""

    def __init__(self, overrides: Mapping[str, Mapping[str, Any]] | None = None, context: MockContext | None = None):
        self.overrides = {k: dict(v) for k, v in (overrides or {}).items()}
        self.context = context or MockContext()
        self._cache: dict[str, tuple[dict[str, OutputRule], dict[str, Any]]] = {}

    def _package_rules(self, token: str) -> tuple[dict[str, OutputRule], dict[str, Any]]:
        package = token.split(":", 1)[0]
        if package not in self._cache:
            self._cache[package] = _rules(package)
        return self._cache[package]

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        outputs = dict(args.inputs)
        resource_id = f"{args.name}-{MockContext.short_id(args.typ + args.name)}"
        if args.custom:
            rule = self._package_rules(args.typ)[0].get(args.typ)
            if rule is not None:
                outputs |= rule(args.name, args.inputs, self.context)
            resource_id = str(outputs.pop("__id", resource_id))
        outputs |= self.overrides.get(args.name, {})
        return (resource_id if args.custom else None), outputs

    def call(self, args: MockCallArgs) -> dict[Any, Any]:  # type: ignore[override]
        rule = self._package_rules(args.token)[1].get(args.token)
        if rule is None:
            raise NotImplementedError(f"no mock for invoke {args.token}; add it to infra/plan/mock_outputs")
        return rule(dict(args.args))


def project_path(path: str) -> str:
    """A path as the plan records it: relative to the project (POSIX), never the machine's absolute path."""
    resolved = Path(path).resolve()
    if resolved.is_relative_to(ROOT):
        return resolved.relative_to(ROOT).as_posix()
    return f"<outside the project>/{resolved.name}"


def file_digest(path: str) -> str | None:
    """sha256 of a file, or of a folder's files (`tree_digest`); None when it does not exist."""
    target = Path(path)
    if target.is_dir():
        return tree_digest(target)
    if target.is_file():
        return hashlib.sha256(target.read_bytes()).hexdigest()
    return None


def _asset(kind: str, value: Mapping[str, Any]) -> dict[str, Any]:
    """An asset or archive: where it comes from (project-relative path, URI, or inline) and its content digest."""
    if value.get("path"):
        return {kind: project_path(str(value["path"])), "sha256": file_digest(str(value["path"]))}
    if value.get("uri"):
        return {kind: str(value["uri"])}
    if value.get("assets"):
        return {kind: {name: plain(member) for name, member in sorted(value["assets"].items())}}
    text = str(value.get("text") or "")
    return {kind: "<inline>", "sha256": hashlib.sha256(text.encode()).hexdigest()}


def plain(value: Any) -> Any:
    """A wire value as plain JSON: secrets redacted, resource references as URNs, files by path and digest."""
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == SECRET_SIG:
            return REDACTED
        if sig == RESOURCE_SIG:
            return value.get("urn")
        if sig in ASSET_SIGS:
            return _asset(ASSET_SIGS[sig], value)
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# SDK-generated aliases to API-versioned types (azure-native `web/v20150801:WebApp`, ...): the program
# never declares versioned types, so no plan can hold them; recording them would only add bulk.
_VERSIONED_TYPE = re.compile(r"^[^:]+:[^:]*/v\d{6}")


def _urn_parts(urn: str) -> tuple[str, str, str]:
    """(prefix `urn:pulumi:<stack>::<project>`, qualified type, name) of a URN."""
    parts = urn.split("::")
    return "::".join(parts[:2]), parts[2], "::".join(parts[3:])


def alias_urns(urn: str, request: Any) -> list[str]:
    """The URNs a registration's aliases stand for (what `pulumi up` matches against the old state)."""
    prefix, qualified, name = _urn_parts(urn)
    chain = qualified.rpartition("$")[0]
    found: list[str] = []
    for alias in request.aliases:
        if alias.urn:
            found.append(alias.urn)
            continue
        spec = alias.spec
        type_token = spec.type or request.type
        if _VERSIONED_TYPE.match(type_token):
            continue
        parent_chain = chain
        if spec.noParent:
            parent_chain = ""
        elif spec.parentUrn:
            parent_chain = _urn_parts(spec.parentUrn)[1]
        alias_prefix = prefix
        if spec.stack or spec.project:
            stack, project = prefix.removeprefix("urn:pulumi:").split("::")
            alias_prefix = f"urn:pulumi:{spec.stack or stack}::{spec.project or project}"
        qualified_alias = f"{parent_chain}${type_token}" if parent_chain else type_token
        candidate = f"{alias_prefix}::{qualified_alias}::{spec.name or name}"
        if candidate != urn:
            found.append(candidate)
    return sorted(set(found))


class RecordingMonitor(MockMonitor):
    """A mock monitor that keeps every registration, in order; `on_record` sees each as it arrives."""

    def __init__(self, mocks: PlatformMocks, on_record: Callable[[ResourceRecord], None] | None = None) -> None:
        super().__init__(mocks)
        self.records: list[ResourceRecord] = []
        self.stack_outputs: dict[str, Any] = {}
        self._by_urn: dict[str, ResourceRecord] = {}
        self.on_record = on_record

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        record = ResourceRecord(
            urn=response.urn,
            type=request.type,
            name=request.name,
            parent=request.parent or None,
            custom=bool(request.custom),
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            provider=request.provider or None,
            dependencies=sorted(request.dependencies),
            property_dependencies={k: sorted(v.urns) for k, v in sorted(request.propertyDependencies.items())},
            inputs=plain(json_format.MessageToDict(request.object)),
            id=response.id or None,
            replace_on_changes=sorted(request.replaceOnChanges),
            ignore_changes=sorted(request.ignoreChanges),
            delete_before_replace=bool(request.deleteBeforeReplace),
            aliases=alias_urns(response.urn, request),
        )
        self.records.append(record)
        self._by_urn[record.urn] = record
        if self.on_record is not None:
            self.on_record(record)
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        if request.urn.endswith("pulumi:pulumi:Stack::" + request.urn.rsplit("::", 1)[-1]):
            self.stack_outputs = plain(json_format.MessageToDict(request.outputs))
        return super().RegisterResourceOutputs(request)
