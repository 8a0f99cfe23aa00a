"""The difference between two plan documents: resources added, removed and changed, and the cost delta.

A plan document is what `python -m infra plan --format json` prints (documented in
docs/cost.md): the plan's resources with their `props`, the `cost` block (monthly cost per
resource URN, per provider, the budget) and, when the policy pack ran, a `policy` block.
`diff_documents(base, head)` compares two of them; it needs nothing else, so a pull request
can be compared with the JSON of its base branch produced anywhere, offline.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from infra.config import NAMESPACE

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
# Registration details that are not the resource's desired state.
IGNORED_FIELDS = ("dependencies", "propertyDependencies")


@dataclass(frozen=True)
class PropertyChange:
    """One input that differs, by dotted path (`tags.owner`, `rules[0].status`)."""

    path: str
    before: Any
    after: Any


@dataclass(frozen=True)
class ResourceChange:
    """A resource added, removed or changed, with its monthly cost before and after."""

    urn: str
    type: str
    name: str
    kind: str
    properties: tuple[PropertyChange, ...] = ()
    cost_before: float = 0.0
    cost_after: float = 0.0

    @property
    def cost_delta(self) -> float:
        return self.cost_after - self.cost_before

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "kind": self.kind,
            "costBefore": round(self.cost_before, 4),
            "costAfter": round(self.cost_after, 4),
            "properties": [{"path": p.path, "before": p.before, "after": p.after} for p in self.properties],
        }


@dataclass
class PlanDiff:
    """Everything a pull-request comment says about a change."""

    base_stack: str
    head_stack: str
    added: list[ResourceChange] = field(default_factory=list)
    removed: list[ResourceChange] = field(default_factory=list)
    changed: list[ResourceChange] = field(default_factory=list)
    total_before: float = 0.0
    total_after: float = 0.0
    providers_before: dict[str, float] = field(default_factory=dict)
    providers_after: dict[str, float] = field(default_factory=dict)
    budget: dict[str, Any] = field(default_factory=dict)
    policy: dict[str, Any] | None = None
    policy_before: dict[str, Any] | None = None
    cost_missing: list[str] = field(default_factory=list)  # "base"/"head" documents without a cost estimate
    cost_errors: list[str] = field(default_factory=list)  # why the cost model could not price them
    not_priced: list[dict[str, Any]] = field(default_factory=list)  # the head's charges without a price
    user_supplied: list[dict[str, Any]] = field(default_factory=list)  # the head's prices from its `pricing` block

    @property
    def delta(self) -> float:
        return self.total_after - self.total_before

    @property
    def delta_percent(self) -> float | None:
        return 100 * self.delta / self.total_before if self.total_before else None

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed) and abs(self.delta) < 0.005

    def headline(self) -> str:
        """`monthly cost will increase by $X (+Y%)`, `... decrease ...` or `... unchanged`."""
        if self.cost_missing:
            return f"monthly cost unknown: no cost estimate in the {' and '.join(self.cost_missing)} plan"
        span = f"from ${self.total_before:,.2f} to ${self.total_after:,.2f}"
        if abs(self.delta) < 0.005:
            return f"monthly cost unchanged (${self.total_after:,.2f})"
        pct = self.delta_percent
        share = f"{pct:+.1f}%" if pct is not None else "new"
        direction = "increase" if self.delta > 0 else "decrease"
        return f"monthly cost will {direction} by ${abs(self.delta):,.2f} ({share}), {span}"

    def providers(self) -> list[tuple[str, float, float]]:
        names = sorted(set(self.providers_before) | set(self.providers_after))
        return [(p, self.providers_before.get(p, 0.0), self.providers_after.get(p, 0.0)) for p in names]

    def to_json(self) -> dict[str, Any]:
        return {
            "baseStack": self.base_stack,
            "headStack": self.head_stack,
            "headline": self.headline(),
            # A cost that could not be computed is unknown (null), never $0.
            "costBefore": None if self.cost_missing else round(self.total_before, 2),
            "costAfter": None if self.cost_missing else round(self.total_after, 2),
            "costDelta": None if self.cost_missing else round(self.delta, 2),
            "costMissing": self.cost_missing,
            "costErrors": self.cost_errors,
            "byProvider": {}
            if self.cost_missing
            else {p: {"before": round(b, 2), "after": round(a, 2)} for p, b, a in self.providers()},
            "added": [c.to_json() for c in self.added],
            "removed": [c.to_json() for c in self.removed],
            "changed": [c.to_json() for c in self.changed],
            "budget": self.budget,
            "policy": self.policy,
            "notPriced": self.not_priced,
            "userSupplied": self.user_supplied,
        }


def plan_document_problems(document: Any, stack: str, allow_foreign: bool = False) -> list[str]:
    """Why `document` cannot be the base of this stack's comparison (empty when it can).

    A base must be what `python -m infra plan --format json` prints, for the same project and
    stack; another stack's plan compares nonsense, so it is refused unless `allow_foreign`.
    """
    what = "not a plan from `python -m infra plan --format json`"
    if not isinstance(document, Mapping):
        return [f"{what} (a {type(document).__name__}, not an object)"]
    missing = [key for key in ("project", "stack", "resources", "cost") if key not in document]
    if missing:
        return [f"{what} (no {', '.join(repr(k) for k in missing)})"]
    resources = document["resources"]
    if not isinstance(resources, list) or not all(
        isinstance(r, Mapping) and isinstance(r.get("urn"), str) and isinstance(r.get("type"), str) for r in resources
    ):
        return [f"{what} ('resources' must be a list of resources with a urn and a type)"]
    if not isinstance(document["cost"], Mapping):
        return [f"{what} ('cost' must be an object)"]
    problems = []
    if document["project"] != NAMESPACE and not allow_foreign:
        problems.append(f"a plan of project {document['project']!r}, not {NAMESPACE!r}")
    if document["stack"] != stack and not allow_foreign:
        problems.append(
            f"a plan of stack {document['stack']!r}, not {stack!r} (compare plans of the same stack, "
            "or pass --allow-foreign-base)"
        )
    return problems


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Leaf values of nested props by dotted path; an empty dict or list is a leaf."""
    if isinstance(value, Mapping) and value:
        for key in sorted(value):
            yield from flatten(value[key], f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from flatten(item, f"{prefix}[{index}]")
    else:
        yield prefix, value


def _state(resource: Mapping[str, Any]) -> dict[str, Any]:
    """What is compared: the inputs, plus the options that change how the engine treats it."""
    state = dict(flatten(resource.get("props") or {}))
    for option in ("protect", "retainOnDelete", "parent", "provider"):
        if option in resource:
            state[f"<{option}>"] = resource[option]
    return state


def property_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[PropertyChange, ...]:
    old, new = _state(before), _state(after)
    return tuple(
        PropertyChange(path, old.get(path), new.get(path))
        for path in sorted(set(old) | set(new))
        if old.get(path) != new.get(path)
    )


def _resources(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {r["urn"]: r for r in document.get("resources") or [] if r.get("custom", True)}


def _costs(document: Mapping[str, Any]) -> dict[str, float]:
    resources = (document.get("cost") or {}).get("resources") or {}
    return {urn: float(entry.get("monthly") or 0.0) for urn, entry in resources.items()}


def diff_documents(base: Mapping[str, Any], head: Mapping[str, Any]) -> PlanDiff:
    """Compare two plan documents (base: before the change, head: after it)."""
    old, new = _resources(base), _resources(head)
    base_cost, head_cost = base.get("cost") or {}, head.get("cost") or {}
    cost_missing = [name for name, c in (("base", base_cost), ("head", head_cost)) if "monthlyTotal" not in c]
    # When either side could not be priced, no resource's cost change is known.
    old_cost, new_cost = ({}, {}) if cost_missing else (_costs(base), _costs(head))
    result = PlanDiff(
        base_stack=str(base.get("stack", "")),
        head_stack=str(head.get("stack", "")),
        total_before=float(base_cost.get("monthlyTotal", 0.0)),
        total_after=float(head_cost.get("monthlyTotal", 0.0)),
        providers_before={k: float(v) for k, v in (base_cost.get("byProvider") or {}).items()},
        providers_after={k: float(v) for k, v in (head_cost.get("byProvider") or {}).items()},
        budget=dict(head_cost.get("budget") or {}),
        policy=head.get("policy"),
        policy_before=base.get("policy"),
        cost_missing=cost_missing,
        cost_errors=[
            f"{name}: {e}" for name, c in (("base", base_cost), ("head", head_cost)) for e in c.get("error") or []
        ],
        not_priced=list(head_cost.get("notPriced") or []),
        user_supplied=list(head_cost.get("userSupplied") or []),
    )
    for urn in sorted(set(old) | set(new)):
        before, after = old.get(urn), new.get(urn)
        resource = after or before or {}
        cost_before, cost_after = old_cost.get(urn, 0.0), new_cost.get(urn, 0.0)
        changes: tuple[PropertyChange, ...] = ()
        if before is None:
            kind, bucket = ADDED, result.added
        elif after is None:
            kind, bucket = REMOVED, result.removed
        else:
            changes = property_changes(before, after)
            if not changes and abs(cost_after - cost_before) < 0.005:
                continue
            kind, bucket = CHANGED, result.changed
        bucket.append(
            ResourceChange(
                urn=urn,
                type=str(resource.get("type")),
                name=str(resource.get("name")),
                kind=kind,
                properties=changes,
                cost_before=cost_before,
                cost_after=cost_after,
            )
        )
    return result
