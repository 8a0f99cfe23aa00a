"""What every rule shares: its metadata, defensive property readers, and the pulumi-policy wrappers.

A rule is data (name, area, description, enforcement level, severity, the type tokens it
examines, what it cannot see at preview, how to remediate) plus a pure check function. The
wrappers turn a rule into a `ResourceValidationPolicy` or `StackValidationPolicy`; nothing
else in the pack talks to the SDK, so the README table and the pack cannot disagree.

Properties arrive as the engine sends them: camelCase inputs, possibly unknown at preview
(the SDK's proxy raises on access). `get()` turns an unknown into `UNKNOWN`, and the checks
never report a violation on a value they cannot see.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError


class _Unknown:
    def __repr__(self) -> str:
        return "<unknown at preview>"


UNKNOWN: Any = _Unknown()
INFORMATIONAL = "informational"  # policy tag: its diagnostics are notes, not violations
CONTRACTS_AREA = "deploy contracts"  # the area of deploy contracts (policy.rules.contracts.AREA)

BUDGET_PROVIDERS_DEFAULT = ("aws", "gcp", "azure")
ALL_PROVIDERS = ("aws", "azure", "cloudflare", "digitalocean", "gcp")


# --- reading properties defensively --------------------------------------------------


def get(obj: Any, *path: str | int, default: Any = None) -> Any:
    """`obj[path[0]][path[1]]...`; `default` when absent, `UNKNOWN` when not known at preview."""
    try:
        for key in path:
            if obj is None or obj is UNKNOWN:
                return obj if obj is UNKNOWN else default
            if isinstance(key, int):
                if not isinstance(obj, Sequence) or isinstance(obj, str) or key >= len(obj):
                    return default
                obj = obj[key]
            else:
                if not isinstance(obj, Mapping) or key not in obj:
                    return default
                obj = obj[key]
        return default if obj is None else obj
    except UnknownValueError:
        return UNKNOWN


def items(obj: Any, *path: str) -> list[Any]:
    """The list at `path` (a single mapping counts as a one-element list); [] when absent or unknown."""
    value = get(obj, *path)
    if value is None or value is UNKNOWN:
        return []
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, Sequence) and not isinstance(value, str):
        try:
            return list(value)
        except UnknownValueError:
            return []
    return []


def is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.lower() == "false")


def known(value: Any) -> bool:
    return value is not UNKNOWN


def as_json(value: Any) -> Any:
    """A policy document given as JSON text or as an object."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def provider_of(type_token: str) -> str:
    """`aws:s3/bucket:Bucket` -> aws; `azure-native:...` -> azure."""
    package = type_token.split(":", 1)[0]
    return {"azure-native": "azure"}.get(package, package)


# --- resources as the rules see them -------------------------------------------------


@dataclass
class Res:
    """One resource: type, name, urn, input props, options, and (stack rules) its dependencies."""

    type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    protect: bool = False
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    provider_props: Mapping[str, Any] = field(default_factory=dict)
    # Every resource this one waits for (property dependencies and `depends_on`), for stack rules.
    dependencies: list[str] = field(default_factory=list)

    def get(self, *path: str | int, default: Any = None) -> Any:
        return get(self.props, *path, default=default)

    def depends_on(self, prop: str, urn: str) -> bool:
        return urn in self.property_dependencies.get(prop, [])

    def waits_for(self, urn: str) -> bool:
        """Whether this resource is created after `urn` (any dependency, explicit or through a property)."""
        return urn in self.dependencies or any(urn in urns for urns in self.property_dependencies.values())

    @property
    def stack(self) -> str:
        """The stack the resource belongs to (`urn:pulumi:<stack>::<project>::...`)."""
        return self.urn.split("::", 1)[0].removeprefix("urn:pulumi:")


@dataclass
class Stack:
    """The whole stack, for rules that join resources (an S3 bucket and its encryption config)."""

    resources: list[Res]

    def of(self, *tokens: str) -> list[Res]:
        return [r for r in self.resources if r.type in tokens]

    def providers(self) -> set[str]:
        return {provider_of(r.type) for r in self.resources if not r.type.startswith(("pulumi:", "qmoi:"))}

    def attached(self, target: Res, token: str, prop: str, names: Iterable[Any] = ()) -> list[Res]:
        """Resources of `token` whose `prop` refers to `target`: by dependency, else by name/id value."""
        values = {v for v in names if isinstance(v, str) and v}
        return [
            r
            for r in self.of(token)
            if r.depends_on(prop, target.urn) or (values and (v := r.get(prop)) in values and known(v))
        ]

    def attached_to(self, source: Res, token: str, prop: str, key: str) -> list[Res]:
        """Resources of `token` that `source.prop` refers to: by dependency, else by their `key` value."""
        value = source.get(prop)
        return [
            r
            for r in self.of(token)
            if source.depends_on(prop, r.urn) or (known(value) and value and r.get(key) == value)
        ]


Finding = tuple[str, str | None]  # (message, urn of the offending resource or None for the stack)


class NotEvaluated(Exception):  # noqa: N818 (a verdict, not an error)
    """Raised by a check that cannot judge this stack. Gates fail closed: it is reported as a violation
    of the rule ("not evaluated: <reason>") at the rule's level, never as a pass. A check that does
    not apply to a stack simply yields nothing."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RuleError(Exception):
    """A rule's check raised: the engine (and `python -m infra`) shows the policy's name and the error."""


def _guarded(name: str, run: Callable[[], None]) -> None:
    """Run one rule; an exception of its own is re-raised naming the policy (the SDK's own pass through)."""
    try:
        run()
    except Exception as exc:
        if type(exc).__module__.startswith("pulumi_policy") or isinstance(exc, UnknownValueError):
            raise  # the SDK's not-applicable and unknown-at-preview signals
        raise RuleError(f"policy {name!r} raised {type(exc).__name__}: {exc}") from exc


def stack_configuration(pack_config: Mapping[str, Any] | None = None) -> Any:
    """The stack's validated configuration (`PlatformConfig`), from the PULUMI_CONFIG the engine sets,
    or from a rule's pack config (`stack`, `engineConfig`) when one pack process judges several stacks
    (`python -m infra check --all-stacks`).

    Raises NotEvaluated when the cost model is not importable or the configuration is missing or invalid.
    """
    import os

    try:
        from pulumi.runtime import get_config_env, get_config_secret_keys_env

        from infra.config import ConfigError, validate_engine_config
    except ImportError as exc:
        raise NotEvaluated(f"the platform configuration code (infra/) is not available here: {exc}") from None
    given = pack_config or {}
    stack_name = str(given.get("stack") or os.environ.get("PULUMI_STACK", ""))
    engine = given.get("engineConfig")
    values, secret_keys = (engine, []) if engine else (get_config_env(), get_config_secret_keys_env())
    try:
        return validate_engine_config(values, secret_keys, stack_name)
    except ConfigError as exc:
        raise NotEvaluated(f"the stack's configuration (PULUMI_CONFIG) is missing or invalid: {exc}") from None


# --- rules ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Rule:
    name: str
    area: str
    description: str
    severity: Severity
    types: tuple[str, ...]
    cannot_see: str
    remediation: str
    enforcement: EnforcementLevel = EnforcementLevel.MANDATORY
    informational: bool = False
    any_type: bool = False  # also examine types outside `types` (the check decides)
    config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # JSON schema of config properties
    # Deploy contracts: the provider documentation that states the constraint (URLs), shown in the README.
    docs: tuple[str, ...] = ()

    @property
    def providers(self) -> list[str]:
        if self.any_type:
            return list(ALL_PROVIDERS)
        return sorted({provider_of(t) for t in self.types})

    @property
    def kind(self) -> str:
        return "stack" if isinstance(self, StackRule) else "resource"

    def policy(self) -> Policy:
        """The pulumi-policy object of this rule (a resource or a stack validation policy)."""
        raise NotImplementedError

    def _common(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "enforcement_level": self.enforcement,
            "severity": self.severity,
            "config_schema": PolicyConfigSchema(properties={k: dict(v) for k, v in self.config.items()})
            if self.config
            else None,
            "tags": [self.area] + ([INFORMATIONAL] if self.informational else []),
            "remediation_steps": self.remediation,
        }


@dataclass(frozen=True, kw_only=True)
class ResourceRule(Rule):
    check: Callable[[Res], Iterable[str]]

    def policy(self) -> ResourceValidationPolicy:
        types = frozenset(self.types)

        def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
            if args.resource_type not in types and not self.any_type:
                return
            provider = args.provider.props if args.provider is not None else {}
            res = Res(args.resource_type, args.name, args.urn, args.props, bool(args.opts.protect), {}, provider)

            def run() -> None:
                for message in self.check(res):
                    report(f"{args.name}: {message}", None)

            _guarded(self.name, run)

        return ResourceValidationPolicy(validate=validate, **self._common())


@dataclass(frozen=True, kw_only=True)
class StackRule(Rule):
    check: Callable[[Stack, Mapping[str, Any]], Iterable[Finding]]

    def policy(self) -> StackValidationPolicy:
        def validate(args: StackValidationArgs, report: ReportViolation) -> None:
            stack = Stack(
                [
                    Res(
                        r.resource_type,
                        r.name,
                        r.urn,
                        r.props,
                        bool(r.opts.protect),
                        {k: [d.urn for d in v] for k, v in r.property_dependencies.items()},
                        r.provider.props if r.provider is not None else {},
                        [d.urn for d in r.dependencies],
                    )
                    for r in args.resources
                ]
            )

            def run() -> None:
                try:
                    for message, urn in self.check(stack, args.get_config()):
                        report(message, urn)
                except NotEvaluated as exc:
                    report(f"not evaluated: {exc.reason}", None)

            _guarded(self.name, run)

        return StackValidationPolicy(validate=validate, **self._common())


# --- bucket classes ------------------------------------------------------------------

BUCKET_CLASSES = ("artifacts", "caches", "backups", "media")
# Must equal components.specs.STATEFUL_CLASSES (a test keeps them in step).
STATEFUL_BUCKET_CLASSES = frozenset({"artifacts", "backups", "media"})


def tag_map(res: Res) -> dict[str, str]:
    """Tags/labels of any provider's shape as a mapping (lists of 'k:v' strings or {key, value})."""
    found: dict[str, str] = {}
    # GCP `tags` are network tags (firewall targets), not labels.
    props = ("labels", "userLabels") if provider_of(res.type) == "gcp" else ("tags", "labels")
    for prop in props:
        value = res.get(prop)
        if isinstance(value, Mapping):
            found |= {str(k): str(v) for k, v in value.items() if known(v)}
            continue
        for entry in items(res.props, prop):
            if isinstance(entry, Mapping) and "key" in entry:
                found[str(entry["key"])] = str(get(entry, "value", default=""))
            elif isinstance(entry, str):
                key, _, val = entry.partition(":")
                found[key] = val
    return found


def bucket_class(res: Res) -> str | None:
    """The class of a bucket: its `bucket-class` tag/label, else the suffix of its name."""
    tagged = tag_map(res).get("bucket-class")
    if tagged:
        return tagged
    for name in (res.get("bucket"), res.get("name"), res.name):
        if isinstance(name, str):
            for cls in BUCKET_CLASSES:
                if name.endswith(f"-{cls}") or name.endswith(cls):
                    return cls
    return None


def per_resource(
    tokens: tuple[str, ...], check: Callable[[Res], Iterator[str]]
) -> Callable[[Stack, Mapping[str, Any]], Iterator[Finding]]:
    """A stack check that runs `check` on every resource of `tokens` and names the resource."""

    def run(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
        for res in stack.of(*tokens):
            for message in check(res):
                yield f"{res.name}: {message}", res.urn

    return run
