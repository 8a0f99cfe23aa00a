"""Rendering a plan: a tree for the terminal, JSON for machines, Markdown for a PR comment."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from infra.mocks import ResourceRecord
from infra.plan import Plan


def provider_of(record: ResourceRecord) -> str:
    """The provider package of a type token (`aws:s3/bucket:Bucket` -> aws, `qmoi:gcp:...` -> gcp)."""
    parts = record.type.split(":")
    if parts[0] == "qmoi":
        return parts[1]
    if parts[0] == "pulumi" and parts[1] == "providers":
        return parts[2]
    return {"azure-native": "azure"}.get(parts[0], parts[0])


def _tree_lines(plan: Plan) -> list[str]:
    children: dict[str | None, list[ResourceRecord]] = defaultdict(list)
    for record in plan.resources:
        children[record.parent].append(record)
    urns = {r.urn for r in plan.resources}
    roots = [r for r in plan.resources if r.parent not in urns]
    lines: list[str] = []

    def walk(record: ResourceRecord, depth: int) -> None:
        kids = children.get(record.urn, [])
        if record.custom:
            return
        custom = Counter(k.type for k in kids if k.custom)
        flags = " [protected]" if any(k.protect for k in kids) else ""
        lines.append(f"{'  ' * depth}{record.name} ({record.type}){flags}")
        for type_token, count in sorted(custom.items()):
            lines.append(f"{'  ' * (depth + 1)}{count:>3} x {type_token}")
        for kid in kids:
            walk(kid, depth + 1)

    for root in roots:
        walk(root, 0)
    return lines


def render_text(plan: Plan) -> str:
    """A tree by provider and component, with resource counts per type."""
    custom = list(plan.custom())
    by_provider = Counter(provider_of(r) for r in custom)
    protected = sum(r.protect for r in custom)
    lines = [f"qmoi-cloud plan: stack {plan.stack}", ""]
    lines += _tree_lines(plan)
    lines += [
        "",
        "resources by provider: " + ", ".join(f"{p} {n}" for p, n in sorted(by_provider.items())),
        f"{len(custom)} resources, {protected} protected",
    ]
    return "\n".join(lines)


def render_json(plan: Plan) -> str:
    return json.dumps(plan.to_json(), indent=2, sort_keys=False, default=str)


def render_markdown(plan: Plan) -> str:
    custom = list(plan.custom())
    counts = Counter(r.type for r in custom)
    rows = "\n".join(f"| `{t}` | {n} |" for t, n in sorted(counts.items()))
    return (
        f"### qmoi-cloud plan: `{plan.stack}`\n\n{len(custom)} resources.\n\n"
        f"<details><summary>Resources by type</summary>\n\n| type | count |\n|---|---:|\n{rows}\n\n</details>\n"
    )


RENDERERS: dict[str, Any] = {"text": render_text, "json": render_json, "markdown": render_markdown}
