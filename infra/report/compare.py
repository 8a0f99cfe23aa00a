"""Rendering the comparison of two plans: the pull-request comment, text and JSON.

The comment reads like `pulumi preview --diff` for the resources (`+` create, `~` update,
`+-` replace with the inputs that force it, `-` delete) and like Infracost for the money (the
cost per provider before and after, the cost change per resource, and every resource's line
items in a collapsible "cost details" section). A charge without a sourced price is NOT PRICED
everywhere, never $0. GitHub refuses comments over 65,536 characters, so the comment shrinks its
lists until it fits; the headline and the summary line come first and are never cut.
"""

from __future__ import annotations

import json
from typing import Any

from infra.report.cost import usd
from infra.report.diff import (
    CREATE,
    DELETE,
    INFERRED,
    REPLACE,
    SYMBOLS,
    UPDATE,
    Charges,
    CostLine,
    PlanDiff,
    PropertyChange,
    ResourceChange,
)

COMMENT_LIMIT = 65_536  # GitHub's maximum comment length
_MARGIN = 1_536
# Riskiest first: what is destroyed, then what is new, then what changes in place.
ORDER = (REPLACE, DELETE, CREATE, UPDATE)
TITLES = {REPLACE: "to replace", DELETE: "to delete", CREATE: "to create", UPDATE: "to update"}
# (resources per kind, properties per resource, value width, cost-detail resources), largest first.
LEVELS = ((100, 25, 120, 200), (40, 10, 80, 60), (15, 5, 60, 20), (5, 2, 40, 5), (0, 0, 20, 0))


# --- values ---------------------------------------------------------------------------------


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 1)] + "…"


def excerpt(before: str, after: str, width: int) -> tuple[str, str]:
    """Two long strings shown around their first difference (the same window in both), `…` where cut."""
    common = next(
        (i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b), min(len(before), len(after))
    )
    start = max(0, common - width // 4)

    def window(text: str) -> str:
        part = text[start : start + width]
        return ("…" if start else "") + part + ("…" if start + width < len(text) else "")

    return window(before), window(after)


def change_values(change: PropertyChange, width: int) -> tuple[str, str]:
    """Before and after as short text: long strings around their first difference, the rest cut."""
    before, after = change.before, change.after
    if isinstance(before, str) and isinstance(after, str) and max(len(before), len(after)) > width:
        return excerpt(before, after, width)
    return _cut(_shown(before), width), _cut(_shown(after), width)


def change_path(change: PropertyChange) -> str:
    """`bucket`, `rules[0].status`, or `policy (JSON) Statement[1].Effect [Sid "DenyInsecureTransport"]`."""
    path = change.path
    if change.document:
        inner = path[len(change.document) :].lstrip(".")
        path = f"{change.document} (JSON) {inner}".rstrip()
    return path + (f" [{change.label}]" if change.label else "")


def money(charges: Charges | None, missing: bool = False) -> str:
    """A resource's monthly cost: `$1.00`, `$1.00 + NOT PRICED`, `NOT PRICED`, `free` (no charge of its own, with
    its reason in the plan), `-` (absent); never $0 for a charge without a price."""
    if missing:
        return "unknown"
    if charges is None:
        return "-"
    if charges.free and not charges.lines:
        return "free"
    if charges.unpriced:
        return f"{usd(charges.monthly)} + NOT PRICED" if charges.monthly >= 0.005 else "NOT PRICED"
    return usd(charges.monthly)


def line_money(line: CostLine | None) -> str:
    if line is None:
        return "-"
    return "NOT PRICED" if line.monthly is None else usd(line.monthly)


def _md(text: str) -> str:
    return "`" + text.replace("`", "'").replace("|", "/").replace("\n", " ") + "`"


def _links(source: str) -> str:
    """A source as Markdown: each URL a link, the words kept."""
    parts = []
    for part in source.split("; "):
        url, _, rest = part.partition(" ")
        parts.append(f"[{url.split('/')[2]}]({url}){' ' + rest if rest else ''}" if url.startswith("http") else part)
    return "; ".join(parts)


def _more(shown: int, total: int) -> str:
    return f"\n\n…and {total - shown} more" if total > shown else ""


# --- Markdown (the pull-request comment) ----------------------------------------------------


def _policy_markdown(diff: PlanDiff, items: int) -> str:
    policy = diff.policy
    if not policy:
        return "#### Policy\n\nNo policy verdicts in this plan.\n"
    before = {(v.get("policy"), v.get("urn")) for v in (diff.policy_before or {}).get("violations") or []}
    violations = policy.get("violations") or []
    status = "passed" if policy.get("passed") is True else "FAILED"
    rows = "".join(
        f"\n| {v.get('level')} | `{v.get('policy')}` | `{v.get('resource') or '(stack)'}` | "
        f"{'' if (v.get('policy'), v.get('urn')) in before else 'new'} | "
        f"{_md(_cut(str(v.get('message', '')), 160))} |"
        for v in violations[:items]
    )
    table = f"\n\n| level | policy | resource | | message |\n|---|---|---|---|---|{rows}" if rows else ""
    return (
        f"#### Policy: {status}\n\n{policy.get('mandatory', 0)} mandatory and "
        f"{policy.get('advisory', 0)} advisory violations.{table}{_more(len(violations[:items]), len(violations))}\n"
    )


def _change_markdown(diff: PlanDiff, change: ResourceChange, props: int, width: int) -> list[str]:
    cost = ""
    if not diff.cost_missing and (change.before or change.after):
        cost = f" — {money(change.before)} → {money(change.after)}"
    lines = [f"- `{change.symbol}` `{change.name}` (`{change.type}`){cost}"]
    lines += [f"  - **replaced:** {reason.what} ({_links(reason.source)})" for reason in change.reasons]
    lines += [f"  - _{note}_" for note in change.notes]
    for prop in change.properties[:props]:
        before, after = change_values(prop, width)
        lines.append(f"  - {_md(change_path(prop))}: {_md(before)} → {_md(after)}")
    if len(change.properties) > props:
        lines.append(f"  - …and {len(change.properties) - props} more properties")
    return lines


def _changes_markdown(diff: PlanDiff, items: int, props: int, width: int) -> str:
    text = ""
    for kind in ORDER:
        changes = diff.of_kind(kind)
        if not changes:
            continue
        body: list[str] = []
        for change in changes[:items]:
            body += _change_markdown(diff, change, props, width)
        more = _more(min(items, len(changes)), len(changes))
        text += (
            f"<details><summary><code>{SYMBOLS[kind]}</code> {len(changes)} {TITLES[kind]}</summary>\n\n"
            + "\n".join(body)
            + f"{more}\n\n</details>\n\n"
        )
    if diff.provider_changes:
        body = []
        for change in diff.provider_changes[:items]:
            body += _change_markdown(diff, change, props, width)
        text += (
            f"<details><summary>Provider configuration ({len(diff.provider_changes)})</summary>\n\n"
            + "\n".join(body)
            + "\n\n</details>\n\n"
        )
    return text


def _cost_table_markdown(diff: PlanDiff, items: int, width: int) -> str:
    if diff.cost_missing:  # never a missing cost shown as $0
        reasons = "".join(f"\n- {_md(_cut(e, width * 2))}" for e in diff.cost_errors[: max(items, 1)])
        return f"**Monthly cost: NOT PRICED** in the {' and '.join(diff.cost_missing)} plan.{reasons}"
    at_least = "at least " if diff.not_priced else ""
    providers = "".join(f"\n| {p} | {usd(b)} | {usd(a)} | {usd(a - b, signed=True)} |" for p, b, a in diff.providers())
    total = (
        f"\n| **total** | **{usd(diff.total_before)}** | **{at_least}{usd(diff.total_after)}** | "
        f"**{usd(diff.delta, signed=True)}** |"
    )
    note = f"\n\n{len(diff.not_priced)} charges are NOT PRICED: the total is a lower bound." if diff.not_priced else ""
    return f"| provider | before | after | diff |\n|---|---:|---:|---:|{providers}{total}{note}"


def _cost_changes_markdown(diff: PlanDiff, items: int) -> str:
    changed = diff.cost_changes()
    if diff.cost_missing or not changed:
        return ""
    rows = "".join(
        f"\n| `{d.name}` | {d.kind or 'usage'} | {money(d.before)} | {money(d.after)} | {usd(d.delta, signed=True)} |"
        for d in changed[: items * 2]
    )
    return (
        f"<details><summary>Cost changes by resource ({len(changed)})</summary>\n\n"
        f"| resource | change | before | after | diff |\n|---|---|---:|---:|---:|{rows}"
        f"{_more(min(items * 2, len(changed)), len(changed))}\n\n</details>\n\n"
    )


def _details_markdown(diff: PlanDiff, rows: int) -> str:
    """Every resource with a charge and its line items (Infracost's cost details), largest first."""
    if diff.cost_missing or not diff.details or rows <= 0:
        return ""
    ordered = sorted(diff.details, key=lambda d: (-(d.after.monthly if d.after else 0.0), d.name))
    body = []
    for detail in ordered[:rows]:
        mark = f" `{SYMBOLS[detail.kind]}`" if detail.kind else ""
        body.append(
            f"| **`{detail.name}`**{mark} `{detail.type}` | {money(detail.before)} | {money(detail.after)} | "
            f"{usd(detail.delta, signed=True)} |"
        )
        body += [
            f"| └ {_md(_cut(label, 100))} | {line_money(old)} | {line_money(new)} | |"
            for label, old, new in detail.lines()
        ]
    return (
        f"<details><summary>Cost details ({len(diff.details)} resources with a charge)</summary>\n\n"
        "| resource / line item | before | after | diff |\n|---|---:|---:|---:|\n"
        + "\n".join(body)
        + f"{_more(min(rows, len(ordered)), len(ordered))}\n\n</details>\n\n"
    )


def _pricing_markdown(diff: PlanDiff, items: int) -> str:
    """The head's charges without a price (never shown as $0) and its user-supplied prices, by name."""
    text = ""
    if diff.not_priced:
        shown = max(items * 2, 10)
        rows = [f"- `{e['resource']}`: {e['item']}: {e['why']}" for e in diff.not_priced[:shown]]
        more = _more(min(shown, len(diff.not_priced)), len(diff.not_priced))
        text += f"\n**NOT PRICED ({len(diff.not_priced)})**, not in the totals:\n\n" + "\n".join(rows) + more + "\n"
    if diff.user_supplied:
        rows = [
            f"- {e['provider']} {e['service']} `{e['sku']}` {e['region']}: {e['usd']} ({e['note']})"
            for e in diff.user_supplied
        ]
        text += "\n**User-supplied prices** (`pricing` block):\n\n" + "\n".join(rows) + "\n"
    return text


def _summary_markdown(diff: PlanDiff) -> str:
    budget = diff.budget
    headroom = (
        f" Budget {usd(budget['monthlyUsd'])}, headroom {usd(budget['headroomUsd'])}." if "monthlyUsd" in budget else ""
    )
    inferred = f"\n\n_`+-`: {INFERRED}._" if diff.of_kind(REPLACE) or any(c.reasons for c in diff.changes) else ""
    notes = "".join(f"\n\n> **Note:** {note}" for note in diff.notes)
    return (
        f"### qmoi-cloud `{diff.head_stack}`: {diff.headline()}\n\n"
        f"**Resources: {diff.summary()}.**{headroom}{inferred}{notes}\n\n"
    )


def _compare_markdown(diff: PlanDiff, items: int, props: int, width: int, rows: int) -> str:
    return (
        _summary_markdown(diff)
        + _cost_table_markdown(diff, items, width)
        + "\n\n"
        + _policy_markdown(diff, items)
        + "\n"
        + _changes_markdown(diff, items, props, width)
        + _cost_changes_markdown(diff, items)
        + _details_markdown(diff, rows)
        + _pricing_markdown(diff, items)
    )


def _cut_lines(text: str, limit: int) -> str:
    """`text` cut to `limit` at a line end, an open <details> closed, and a note that it was cut."""
    note = "\n\n…(cut to fit a comment: the full report is `--format text` or `--format json`)\n"
    kept = text[: max(limit - len(note) - 20, 0)].rsplit("\n", 1)[0]
    if kept.count("<details>") > kept.count("</details>"):
        kept += "\n\n</details>"
    return kept + note


def render_compare_markdown(diff: PlanDiff, limit: int = COMMENT_LIMIT) -> str:
    """A PR comment: the headline and summary first, then sections that shrink until the comment fits `limit`."""
    budget = limit - _MARGIN if limit > 4 * _MARGIN else limit
    text = ""
    for items, props, width, rows in LEVELS:
        text = _compare_markdown(diff, items, props, width, rows)
        if len(text) <= budget:
            return text
    return _cut_lines(text, budget)


# --- text -------------------------------------------------------------------------------


def render_compare_text(diff: PlanDiff) -> str:
    lines = [f"qmoi-cloud {diff.head_stack}: {diff.headline()}", f"Resources: {diff.summary()}"]
    if any(c.reasons for c in diff.changes):
        lines.append(f"  ({INFERRED})")
    lines += [f"  note: {note}" for note in diff.notes]
    for change in [c for kind in ORDER for c in diff.of_kind(kind)] + diff.provider_changes:
        cost = "cost unknown" if diff.cost_missing else f"{money(change.before)} -> {money(change.after)}"
        lines.append(f"  {change.symbol:<2} {change.name} ({change.type}) {change.kind}, {cost}")
        lines += [f"       replaced: {r.what} [{r.source}]" for r in change.reasons]
        lines += [f"       note: {note}" for note in change.notes]
        for prop in change.properties[:25]:
            before, after = change_values(prop, 100)
            lines.append(f"       ~ {change_path(prop)}: {before} => {after}")
        if len(change.properties) > 25:
            lines.append(f"       …and {len(change.properties) - 25} more properties")
    if diff.cost_missing:
        lines.append(f"  monthly cost: NOT PRICED in the {' and '.join(diff.cost_missing)} plan")
        lines += [f"    {e}" for e in diff.cost_errors]
    else:
        lines += [f"  {p}: {usd(b)} -> {usd(a)} ({usd(a - b, signed=True)})" for p, b, a in diff.providers()]
        for detail in diff.cost_changes():
            moved = f"{money(detail.before)} -> {money(detail.after)}"
            lines.append(f"  cost {usd(detail.delta, signed=True)}: {detail.name} {moved}")
        if diff.not_priced:
            lines.append(f"  NOT PRICED ({len(diff.not_priced)}; not in the totals):")
            lines += [f"    {e['resource']}: {e['item']}: {e['why']}" for e in diff.not_priced]
    return "\n".join(lines)


COMPARE_RENDERERS: dict[str, Any] = {
    "text": render_compare_text,
    "markdown": render_compare_markdown,
    "json": lambda diff: json.dumps(diff.to_json(), indent=2, default=str),
}
