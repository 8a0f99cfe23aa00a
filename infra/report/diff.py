"""The difference between two plan documents, as `pulumi preview --diff` shows it, and the cost delta.

A plan document is what `python -m infra plan --format json` prints (documented in
docs/cost.md): the plan's resources with their `props` and engine options, the `cost` block
(monthly cost and line items per resource URN, per provider, the budget) and, when the policy
pack ran, a `policy` block. `diff_documents(base, head)` compares two of them; it needs nothing
else, so a pull request can be compared with the JSON of its base branch produced anywhere.

Each resource is created (`+`), updated (`~`), replaced (`+-`) or deleted (`-`), like
`pulumi preview`. Replacement is decided the way the engine decides it, from what is known
offline: an input the provider's schema marks as forcing a new resource
(`infra/report/replacements.py`, each entry with its source), the `replace_on_changes` option,
a provider object that is itself replaced (its resources with it), and, transitively, an input
that forcing a new resource which takes its value from a replaced resource (unknown until that
one exists). A change of parent, type or name is a new URN: Pulumi deletes and creates unless
an alias names the old URN. Every replacement found here is an inference and is reported as one.

Values are compared structurally: nested inputs by path (`rules[0].status`), lists element by
element (matched by `Sid`, `name` or `id` where every element has a distinct one), and strings
that hold JSON documents (bucket and key policies) as documents, so the change is the statement
that changed, not two long strings with the same beginning.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from infra.config import NAMESPACE
from infra.plan.records import PLAN_SCHEMA_VERSION, counts_as_resource
from infra.report.replacements import FORCES, PROVIDER_FORCES, forced_by, matches, not_applied

CREATE, UPDATE, REPLACE, DELETE = "create", "update", "replace", "delete"
KINDS = (CREATE, UPDATE, REPLACE, DELETE)
SYMBOLS = {CREATE: "+", UPDATE: "~", REPLACE: "+-", DELETE: "-"}
INFERRED = (
    "replacements are inferred offline from the providers' schemas and documentation "
    "(infra/report/replacements.py), not asked of the providers as `pulumi preview` does"
)
# The engine options compared as part of a resource's state (the rest of a registration is not desired state).
OPTIONS = ("protect", "retainOnDelete", "parent")
# Keys that name the elements of a list (a policy's statements, rules, security rules).
LABEL_KEYS = ("Sid", "name", "id", "key", "ref")


@dataclass(frozen=True)
class PropertyChange:
    """One input that differs, by path (`tags.owner`, `rules[0].status`, `policy.Statement[1].Effect`).

    `document` names the input that holds a JSON document when the change is inside it (`policy`);
    `label` says which list element changed when it has a name (`Sid "DenyInsecureTransport"`).
    """

    path: str
    before: Any
    after: Any
    document: str | None = None
    label: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = {"path": self.path, "before": self.before, "after": self.after}
        return data | {k: v for k, v in (("document", self.document), ("label", self.label)) if v}


@dataclass(frozen=True)
class Reason:
    """Why a resource is replaced: what changes, and where the rule that says so is stated."""

    what: str
    source: str

    def to_json(self) -> dict[str, Any]:
        return {"what": self.what, "source": self.source, "inferred": True}


@dataclass(frozen=True)
class CostLine:
    """One charge of a resource: its monthly cost, or None with the reason when it is NOT PRICED."""

    label: str
    monthly: float | None
    why: str = ""


@dataclass(frozen=True)
class Charges:
    """A resource's monthly cost in one plan: its total (priced lines only) and every line."""

    monthly: float
    lines: tuple[CostLine, ...] = ()
    free: str | None = None

    @property
    def unpriced(self) -> tuple[CostLine, ...]:
        return tuple(line for line in self.lines if line.monthly is None)

    def to_json(self) -> dict[str, Any]:
        return {
            "monthly": round(self.monthly, 4),
            "notPriced": [{"item": line.label, "why": line.why} for line in self.unpriced],
        }


@dataclass(frozen=True)
class ResourceChange:
    """A resource created, updated, replaced or deleted, with its monthly cost before and after."""

    urn: str
    type: str
    name: str
    kind: str
    properties: tuple[PropertyChange, ...] = ()
    reasons: tuple[Reason, ...] = ()
    notes: tuple[str, ...] = ()
    before: Charges | None = None
    after: Charges | None = None

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.kind]

    @property
    def is_resource(self) -> bool:
        """Counted as a resource (a provider object is not; see `counts_as_resource`)."""
        return counts_as_resource(self.type, True)

    @property
    def cost_before(self) -> float:
        return self.before.monthly if self.before else 0.0

    @property
    def cost_after(self) -> float:
        return self.after.monthly if self.after else 0.0

    @property
    def cost_delta(self) -> float:
        return self.cost_after - self.cost_before

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "kind": self.kind,
            "symbol": self.symbol,
            "properties": [p.to_json() for p in self.properties],
            "replaceReasons": [r.to_json() for r in self.reasons],
            "notes": list(self.notes),
            "costBefore": self.before.to_json() if self.before else None,
            "costAfter": self.after.to_json() if self.after else None,
        }


@dataclass(frozen=True)
class CostDetail:
    """A resource with a charge in either plan: its lines before and after (Infracost's "cost details")."""

    urn: str
    name: str
    type: str
    kind: str | None  # None: the resource itself does not change
    before: Charges | None
    after: Charges | None

    @property
    def delta(self) -> float:
        return (self.after.monthly if self.after else 0.0) - (self.before.monthly if self.before else 0.0)

    def lines(self) -> list[tuple[str, CostLine | None, CostLine | None]]:
        """(label, before, after) per line item, matched by label, in the head's order first."""
        old = {line.label: line for line in (self.before.lines if self.before else ())}
        new = {line.label: line for line in (self.after.lines if self.after else ())}
        labels = list(new) + [label for label in old if label not in new]
        return [(label, old.get(label), new.get(label)) for label in labels]


@dataclass
class PlanDiff:
    """Everything a pull-request comment says about a change."""

    base_stack: str
    head_stack: str
    changes: list[ResourceChange] = field(default_factory=list)
    unchanged: int = 0
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
    details: list[CostDetail] = field(default_factory=list)  # every resource with a charge in either plan
    notes: list[str] = field(default_factory=list)  # about the comparison itself (an older base document)

    @property
    def resources(self) -> list[ResourceChange]:
        """The changes of resources (what the counts count; provider objects are in `provider_changes`)."""
        return [c for c in self.changes if c.is_resource]

    @property
    def provider_changes(self) -> list[ResourceChange]:
        return [c for c in self.changes if not c.is_resource]

    def of_kind(self, kind: str) -> list[ResourceChange]:
        return [c for c in self.resources if c.kind == kind]

    @property
    def counts(self) -> dict[str, int]:
        return {kind: len(self.of_kind(kind)) for kind in KINDS} | {"unchanged": self.unchanged}

    def summary(self) -> str:
        """`1 to create, 2 to update, 5 to replace, 0 to delete, 270 unchanged` (resources, as Pulumi counts them)."""
        counts = self.counts
        return ", ".join(f"{counts[k]} to {k}" for k in KINDS) + f", {self.unchanged} unchanged"

    @property
    def delta(self) -> float:
        return self.total_after - self.total_before

    @property
    def delta_percent(self) -> float | None:
        return 100 * self.delta / self.total_before if self.total_before else None

    @property
    def is_empty(self) -> bool:
        return not self.changes and abs(self.delta) < 0.005

    def headline(self) -> str:
        """`monthly cost will increase by $X (+Y%)`, `... decrease ...` or `... unchanged`."""
        if self.cost_missing:
            return f"monthly cost unknown: no cost estimate in the {' and '.join(self.cost_missing)} plan"
        at_least = "at least " if self.not_priced else ""
        span = f"from ${self.total_before:,.2f} to {at_least}${self.total_after:,.2f}"
        if abs(self.delta) < 0.005:
            return f"monthly cost unchanged ({at_least}${self.total_after:,.2f})"
        pct = self.delta_percent
        share = f"{pct:+.1f}%" if pct is not None else "new"
        direction = "increase" if self.delta > 0 else "decrease"
        return f"monthly cost will {direction} by ${abs(self.delta):,.2f} ({share}), {span}"

    def providers(self) -> list[tuple[str, float, float]]:
        names = sorted(set(self.providers_before) | set(self.providers_after))
        return [(p, self.providers_before.get(p, 0.0), self.providers_after.get(p, 0.0)) for p in names]

    def cost_changes(self) -> list[CostDetail]:
        """Resources whose monthly cost changes, largest change first."""
        return sorted((d for d in self.details if abs(d.delta) >= 0.005), key=lambda d: (-abs(d.delta), d.name))

    def to_json(self) -> dict[str, Any]:
        return {
            "baseStack": self.base_stack,
            "headStack": self.head_stack,
            "headline": self.headline(),
            "summary": self.summary(),
            "counts": self.counts,
            "replacementsInferred": INFERRED,
            # A cost that could not be computed is unknown (null), never $0.
            "costBefore": None if self.cost_missing else round(self.total_before, 2),
            "costAfter": None if self.cost_missing else round(self.total_after, 2),
            "costDelta": None if self.cost_missing else round(self.delta, 2),
            "costMissing": self.cost_missing,
            "costErrors": self.cost_errors,
            "byProvider": {}
            if self.cost_missing
            else {p: {"before": round(b, 2), "after": round(a, 2)} for p, b, a in self.providers()},
            "changes": [c.to_json() for c in self.resources],
            "providerChanges": [c.to_json() for c in self.provider_changes],
            "budget": self.budget,
            "policy": self.policy,
            "notPriced": self.not_priced,
            "userSupplied": self.user_supplied,
            "notes": self.notes,
        }


def plan_document_problems(document: Any, stack: str, allow_foreign: bool = False) -> list[str]:
    """Why `document` cannot be the base of this stack's comparison (empty when it can).

    A base must be what `python -m infra plan --format json` prints, for the same project and
    stack, in a schema this code reads (the same or older); another stack's plan compares
    nonsense, so it is refused unless `allow_foreign`.
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
    version = document.get("schemaVersion", 1)
    if not isinstance(version, int) or version > PLAN_SCHEMA_VERSION:
        return [
            f"a plan in schema version {version!r}, newer than this code reads ({PLAN_SCHEMA_VERSION}): "
            "compare with a plan made by the same or an older qmoi-cloud"
        ]
    problems = []
    if document["project"] != NAMESPACE and not allow_foreign:
        problems.append(f"a plan of project {document['project']!r}, not {NAMESPACE!r}")
    if document["stack"] != stack and not allow_foreign:
        problems.append(
            f"a plan of stack {document['stack']!r}, not {stack!r} (compare plans of the same stack, "
            "or pass --allow-foreign-base)"
        )
    return problems


# --- comparing values ---------------------------------------------------------------------


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def _document(value: Any) -> Any:
    """The JSON document a string holds (an object or a list), else None."""
    if not isinstance(value, str) or value.lstrip()[:1] not in ("{", "["):
        return None
    try:
        decoded = json.loads(value)
    except ValueError:
        return None
    return decoded if isinstance(decoded, dict | list) else None


def _label(item: Any) -> str | None:
    if isinstance(item, Mapping):
        for key in LABEL_KEYS:
            if isinstance(item.get(key), str | int) and not isinstance(item.get(key), bool):
                return f'{key} "{item[key]}"'
    return None


def _element_key(items: list[Any]) -> str | None:
    """A key every element has, distinct across the list (to match elements by it)."""
    for key in LABEL_KEYS:
        values = [item.get(key) if isinstance(item, Mapping) else None for item in items]
        if values and all(isinstance(v, str | int) for v in values) and len(set(values)) == len(values):
            return key
    return None


def value_changes(
    before: Any, after: Any, path: str = "", document: str | None = None, label: str | None = None
) -> Iterator[PropertyChange]:
    """The leaf differences between two values, structurally (see the module docstring)."""
    if before == after:
        return
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        for key in sorted(set(before) | set(after), key=str):
            yield from value_changes(before.get(key), after.get(key), _join(path, key), document, label)
        return
    if isinstance(before, list) and isinstance(after, list):
        yield from _list_changes(before, after, path, document, label)
        return
    old_doc, new_doc = _document(before), _document(after)
    if old_doc is not None and new_doc is not None:
        yield from value_changes(old_doc, new_doc, path, document or path, label)
        return
    yield PropertyChange(path, before, after, document, label)


def _list_changes(
    before: list[Any], after: list[Any], path: str, document: str | None, label: str | None
) -> Iterator[PropertyChange]:
    key = _element_key(before)
    if key is not None and key == _element_key(after):
        old = {item[key]: (i, item) for i, item in enumerate(before)}
        new = {item[key]: (i, item) for i, item in enumerate(after)}
        for value in [*new, *(v for v in old if v not in new)]:
            index, item = new.get(value) or old[value]
            previous = old.get(value, (None, None))[1]
            current = new.get(value, (None, None))[1]
            yield from value_changes(previous, current, f"{path}[{index}]", document, _label(item) or label)
        return
    if len(before) == len(after):
        for index, (old_item, new_item) in enumerate(zip(before, after, strict=True)):
            yield from value_changes(old_item, new_item, f"{path}[{index}]", document, _label(new_item) or label)
        return
    canonical = (
        [json.dumps(v, sort_keys=True, default=str) for v in before],
        [json.dumps(v, sort_keys=True, default=str) for v in after],
    )
    matcher = difflib.SequenceMatcher(a=canonical[0], b=canonical[1], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            for offset in range(i2 - i1):
                old_item, new_item = before[i1 + offset], after[j1 + offset]
                yield from value_changes(old_item, new_item, f"{path}[{j1 + offset}]", document, _label(new_item))
            continue
        for i in range(i1, i2):
            yield PropertyChange(f"{path}[{i}]", before[i], None, document, _label(before[i]) or label)
        for j in range(j1, j2):
            yield PropertyChange(f"{path}[{j}]", None, after[j], document, _label(after[j]) or label)


def _ignored(path: str, patterns: list[str]) -> bool:
    return any(matches(p, path) for p in patterns)


def property_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[PropertyChange, ...]:
    """What differs between two registrations: their inputs, and the options that are desired state.

    Inputs under the head's `ignoreChanges` are left out, as the engine leaves them.
    """
    ignore = list(after.get("ignoreChanges") or [])
    found = [
        c for c in value_changes(before.get("props") or {}, after.get("props") or {}) if not _ignored(c.path, ignore)
    ]
    for option in OPTIONS:
        if before.get(option) != after.get(option) and (option in before or option in after):
            found.append(PropertyChange(f"[{option}]", before.get(option), after.get(option)))
    return tuple(found)


# --- deciding create / update / replace / delete ------------------------------------------


def _resources(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Resources a provider manages, and provider objects, by URN (components are not desired state)."""
    return {r["urn"]: r for r in document.get("resources") or [] if r.get("custom", True)}


def _charges(document: Mapping[str, Any]) -> dict[str, Charges]:
    entries = (document.get("cost") or {}).get("resources") or {}
    found = {}
    for urn, entry in entries.items():
        lines = tuple(
            CostLine(
                str(item.get("label", "")),
                None if item.get("monthly") is None else float(item["monthly"]),
                str(item.get("unpriced") or ""),
            )
            for item in entry.get("items") or []
        )
        found[urn] = Charges(float(entry.get("monthly") or 0.0), lines, entry.get("free"))
    return found


def _provider_urn(resource: Mapping[str, Any] | None) -> str | None:
    reference = (resource or {}).get("provider")
    return str(reference).rsplit("::", 1)[0] if reference else None


@dataclass
class _Pair:
    """One resource as the base and the head know it (either may be missing)."""

    urn: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None
    properties: tuple[PropertyChange, ...] = ()
    reasons: list[Reason] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    touched: bool = False  # an input takes a new value from a replaced resource

    @property
    def resource(self) -> Mapping[str, Any]:
        return self.after or self.before or {}

    @property
    def kind(self) -> str | None:
        if self.before is None:
            return CREATE
        if self.after is None:
            return DELETE
        if self.reasons:
            return REPLACE
        return UPDATE if self.properties or self.touched else None


def _pairs(old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]]) -> list[_Pair]:
    """Base and head resources paired by URN, or by an alias of the head naming a base URN that is gone."""
    renamed: dict[str, str] = {}
    for urn, resource in new.items():
        if urn not in old:
            alias = next((a for a in resource.get("aliases") or [] if a in old and a not in new), None)
            if alias is not None and alias not in renamed.values():
                renamed[urn] = alias
    pairs = []
    for urn in sorted(set(old) | set(new)):
        if urn in renamed.values():
            continue
        pair = _Pair(urn, old.get(renamed.get(urn, urn)), new.get(urn))
        if urn in renamed:
            pair.notes.append(f"was {renamed[urn]}: kept by an alias, not recreated")
        pairs.append(pair)
    # A new URN for the same type and name (another parent, or a type renamed without an alias).
    gone = {(p.resource["type"], p.resource["name"]): p for p in pairs if p.after is None}
    for pair in pairs:
        if pair.before is None and (twin := gone.get((pair.resource["type"], pair.resource["name"]))):
            pair.notes.append(
                f"same name and type as {twin.urn}, under a new URN: Pulumi creates this one and deletes that one "
                "(add an alias naming the old URN to keep it)"
            )
            twin.notes.append(f"recreated as {pair.urn} (a new URN for the same name and type)")
    return pairs


def _direct_reasons(pair: _Pair) -> list[Reason]:
    """Replacement reasons from the resource's own changes: the table, and its replace_on_changes option."""
    assert pair.after is not None  # noqa: S101 (only pairs present on both sides)
    type_token, inputs = str(pair.resource["type"]), pair.after.get("props") or {}
    reasons: list[Reason] = []
    seen: set[str] = set()
    for change in pair.properties:
        if change.path.startswith("["):
            continue
        forced = forced_by(type_token, change.path, change.before, change.after, inputs)
        if forced is not None and forced.property not in seen:
            seen.add(forced.property)
            condition = f" ({forced.condition})" if forced.condition else ""
            reasons.append(Reason(f"{forced.property} changes{condition}: forces a new resource", forced.source))
        for pattern in pair.after.get("replaceOnChanges") or []:
            if matches(pattern, change.path) and f"option:{pattern}" not in seen:
                seen.add(f"option:{pattern}")
                reasons.append(Reason(f"{change.path} changes: replace_on_changes {pattern!r}", "resource option"))
        why = not_applied(type_token, change.path)
        if why is not None:
            pair.notes.append(f"{change.path}: {why}")
    return reasons


def _provider_move(pair: _Pair, old: Mapping[str, Mapping[str, Any]], new: Mapping[str, Mapping[str, Any]]) -> None:
    """A resource that moves to another provider object: replaced when the configurations differ where it matters."""
    before, after = _provider_urn(pair.before), _provider_urn(pair.after)
    if before == after or before is None or after is None:
        return
    old_provider, new_provider = old.get(before) or {}, new.get(after) or {}
    forces = PROVIDER_FORCES.get(str(new_provider.get("type", "")))
    keys = forces.properties if forces else ()
    differing = [
        k for k in keys if (old_provider.get("props") or {}).get(k) != (new_provider.get("props") or {}).get(k)
    ]
    name = new_provider.get("name", after)
    if forces is None or differing:
        what = ", ".join(differing) if differing else "a provider type not in the replacement table"
        pair.reasons.append(
            Reason(f"moves to provider {name} with another configuration ({what})", forces.source if forces else "")
        )
    else:
        pair.notes.append(f"moves to provider {name} with the same configuration: updated in place")
        pair.touched = True


def _cascade(pairs: list[_Pair]) -> None:
    """Replacements that follow from others: a replaced provider's resources, and inputs fed by a replaced resource."""
    by_urn = {p.urn: p for p in pairs}
    replaced = {p.urn for p in pairs if p.kind == REPLACE}
    changed = True
    while changed:
        changed = False
        for pair in pairs:
            if pair.before is None or pair.after is None or pair.urn in replaced:
                continue
            provider = _provider_urn(pair.after)
            if provider in replaced:
                name = by_urn[provider].resource.get("name", provider) if provider in by_urn else provider
                pair.reasons.append(
                    Reason(f"its provider {name} is replaced, and every resource it manages with it", "engine")
                )
            for prop, urns in sorted((pair.after.get("propertyDependencies") or {}).items()):
                sources = [by_urn[u].resource.get("name", u) for u in urns if u in replaced and u in by_urn]
                if not sources:
                    continue
                before = (pair.before.get("props") or {}).get(prop)
                after = (pair.after.get("props") or {}).get(prop)
                forced = forced_by(str(pair.resource["type"]), prop, before, after, pair.after.get("props") or {})
                if forced is not None:
                    pair.reasons.append(
                        Reason(
                            f"{prop} comes from {', '.join(sources)}, which is replaced: its new value is unknown "
                            "until then, and it forces a new resource",
                            forced.source,
                        )
                    )
                elif not pair.touched:
                    pair.touched = True
                    pair.notes.append(f"{prop} takes the new value of {', '.join(sources)}, which is replaced")
            if pair.reasons:
                replaced.add(pair.urn)
                changed = True


def _classify(pairs: list[_Pair], old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
    for pair in pairs:
        if pair.before is None or pair.after is None:
            continue
        pair.properties = property_changes(pair.before, pair.after)
        type_token = str(pair.resource["type"])
        if (pair.properties or _provider_urn(pair.before) != _provider_urn(pair.after)) and not (
            type_token in FORCES or type_token in PROVIDER_FORCES
        ):
            pair.notes.append(
                f"{type_token} is not in the replacement table (infra/report/replacements.py): shown as an update, "
                "but Pulumi may replace it"
            )
        pair.reasons += _direct_reasons(pair)
        _provider_move(pair, old, new)
    _cascade(pairs)


def diff_documents(base: Mapping[str, Any], head: Mapping[str, Any]) -> PlanDiff:
    """Compare two plan documents (base: before the change, head: after it)."""
    old, new = _resources(base), _resources(head)
    base_cost, head_cost = base.get("cost") or {}, head.get("cost") or {}
    cost_missing = [name for name, c in (("base", base_cost), ("head", head_cost)) if "monthlyTotal" not in c]
    # When either side could not be priced, no resource's cost change is known.
    old_charges, new_charges = ({}, {}) if cost_missing else (_charges(base), _charges(head))
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
    if base.get("schemaVersion", 1) < PLAN_SCHEMA_VERSION:
        result.notes.append(
            f"the base plan is in schema version {base.get('schemaVersion', 1)} (this one: {PLAN_SCHEMA_VERSION}): "
            "function packages were recorded by absolute path then, so their code shows as changed"
        )
    pairs = _pairs(old, new)
    _classify(pairs, old, new)
    kinds: dict[str, str | None] = {}
    for pair in pairs:
        kind = pair.kind
        kinds[pair.urn] = kind
        if kind is None:
            result.unchanged += counts_as_resource(str(pair.resource["type"]), True)
            continue
        if kind == REPLACE and (pair.after or {}).get("deleteBeforeReplace"):
            pair.notes.append("deleted before its replacement is created (delete_before_replace): a gap in service")
        result.changes.append(
            ResourceChange(
                urn=pair.urn,
                type=str(pair.resource["type"]),
                name=str(pair.resource.get("name")),
                kind=kind,
                properties=pair.properties,
                reasons=tuple(pair.reasons),
                notes=tuple(pair.notes),
                before=old_charges.get(str(pair.before["urn"])) if pair.before is not None else None,
                after=new_charges.get(pair.urn) if pair.after is not None else None,
            )
        )
    names = {urn: r for urn, r in (*old.items(), *new.items())}
    for urn in sorted(set(old_charges) | set(new_charges)):
        before, after = old_charges.get(urn), new_charges.get(urn)
        if not any(c and (c.lines or c.monthly) for c in (before, after)):
            continue
        resource = names.get(urn) or {}
        result.details.append(
            CostDetail(
                urn,
                str(resource.get("name", urn)),
                str(resource.get("type", "")),
                kinds.get(urn),
                before if urn in old else None,
                after if urn in new else None,
            )
        )
    return result
