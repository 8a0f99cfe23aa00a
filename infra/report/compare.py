"""Rendering the comparison of two plans: the pull-request comment, text and JSON."""

from __future__ import annotations

import json
from typing import Any

from infra.report.cost import usd
from infra.report.diff import PlanDiff, ResourceChange

COMMENT_LIMIT = 65_536  # GitHub's maximum comment length
_MARGIN = 1_536


def _cell(value: Any, width: int) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else value
    text = text if len(text) <= width else text[: width - 1] + "…"
    return "`" + text.replace("`", "'").replace("|", "/").replace("\n", " ") + "`"


def _more(shown: int, total: int) -> str:
    return f"\n\n…and {total - shown} more" if total > shown else ""


def _policy_markdown(diff: PlanDiff, items: int) -> str:
    policy = diff.policy
    if not policy:
        return "#### Policy\n\nNo policy verdicts in this plan.\n"
    before = {(v.get("policy"), v.get("urn")) for v in (diff.policy_before or {}).get("violations") or []}
    violations = policy.get("violations") or []
    status = "passed" if policy.get("passed") is True else "FAILED"
    rows = "".join(
        f"\n| {v.get('level')} | `{v.get('policy')}` | `{v.get('resource') or '(stack)'}` | "
        f"{'' if (v.get('policy'), v.get('urn')) in before else 'new'} | {_cell(v.get('message', ''), 160)} |"
        for v in violations[:items]
    )
    table = f"\n\n| level | policy | resource | | message |\n|---|---|---|---|---|{rows}" if rows else ""
    return (
        f"#### Policy: {status}\n\n{policy.get('mandatory', 0)} mandatory and "
        f"{policy.get('advisory', 0)} advisory violations.{table}{_more(len(violations[:items]), len(violations))}\n"
    )


def _changes_markdown(title: str, changes: list[ResourceChange], items: int, props: int, width: int) -> str:
    if not changes:
        return ""
    lines = []
    for change in changes[:items]:
        delta = f" ({usd(change.cost_delta, signed=True)}/month)" if abs(change.cost_delta) >= 0.005 else ""
        lines.append(f"- `{change.name}` (`{change.type}`){delta}")
        for prop in change.properties[:props]:
            lines.append(f"  - {_cell(prop.path, width)}: {_cell(prop.before, width)} → {_cell(prop.after, width)}")
        if len(change.properties) > props:
            lines.append(f"  - …and {len(change.properties) - props} more properties")
    body = "\n".join(lines) + _more(min(items, len(changes)), len(changes))
    return f"<details><summary>{title} ({len(changes)})</summary>\n\n{body}\n\n</details>\n\n"


def _compare_markdown(diff: PlanDiff, items: int, props: int, width: int) -> str:
    counts = f"{len(diff.added)} to add, {len(diff.removed)} to remove, {len(diff.changed)} to change"
    budget = diff.budget
    headroom = (
        f" Budget {usd(budget['monthlyUsd'])}, headroom {usd(budget['headroomUsd'])}." if "monthlyUsd" in budget else ""
    )
    providers = "".join(f"\n| {p} | {usd(b)} | {usd(a)} | {usd(a - b, signed=True)} |" for p, b, a in diff.providers())
    total = (
        f"\n| **total** | **{usd(diff.total_before)}** | **{usd(diff.total_after)}** | "
        f"**{usd(diff.delta, signed=True)}** |"
    )
    cost_table = f"| provider | before | after | diff |\n|---|---:|---:|---:|{providers}{total}"
    if diff.cost_missing:  # never a missing cost shown as $0
        reasons = "".join(f"\n- {_cell(e, width * 2)}" for e in diff.cost_errors[: max(items, 1)])
        cost_table = f"**Monthly cost: NOT PRICED** in the {' and '.join(diff.cost_missing)} plan.{reasons}"
    by_cost = sorted(diff.added + diff.removed + diff.changed, key=lambda c: -abs(c.cost_delta))
    by_cost = [c for c in by_cost if abs(c.cost_delta) >= 0.005]
    cost_rows = "".join(
        f"\n| `{c.name}` | {c.kind} | {usd(c.cost_before)} | {usd(c.cost_after)} | {usd(c.cost_delta, signed=True)} |"
        for c in by_cost[: items * 2]
    )
    breakdown = (
        f"<details><summary>Cost by resource ({len(by_cost)} with a cost change)</summary>\n\n"
        f"| resource | change | before | after | diff |\n|---|---|---:|---:|---:|{cost_rows}"
        f"{_more(min(items * 2, len(by_cost)), len(by_cost))}\n\n</details>\n"
        if by_cost
        else ""
    )
    return (
        f"### qmoi-cloud `{diff.head_stack}`: {diff.headline()}\n\n"
        f"**{counts}.**{headroom}\n\n"
        f"{cost_table}\n\n"
        + _policy_markdown(diff, items)
        + "\n"
        + _changes_markdown("Added", diff.added, items, props, width)
        + _changes_markdown("Removed", diff.removed, items, props, width)
        + _changes_markdown("Changed", diff.changed, items, props, width)
        + breakdown
        + _pricing_markdown(diff, items)
    )


def _pricing_markdown(diff: PlanDiff, items: int) -> str:
    """The head's charges without a price (never shown as $0) and its user-supplied prices, by name."""
    text = ""
    if diff.not_priced:
        rows = [f"- `{e['resource']}`: {e['item']}: {e['why']}" for e in diff.not_priced[: max(items * 2, 10)]]
        more = _more(min(max(items * 2, 10), len(diff.not_priced)), len(diff.not_priced))
        text += f"\n**NOT PRICED ({len(diff.not_priced)})**, not in the totals:\n\n" + "\n".join(rows) + more + "\n"
    if diff.user_supplied:
        rows = [
            f"- {e['provider']} {e['service']} `{e['sku']}` {e['region']}: {e['usd']} ({e['note']})"
            for e in diff.user_supplied
        ]
        text += "\n**User-supplied prices** (`pricing` block):\n\n" + "\n".join(rows) + "\n"
    return text


def render_compare_markdown(diff: PlanDiff, limit: int = COMMENT_LIMIT) -> str:
    """A PR comment: the headline first, then summaries that shrink until the comment fits `limit`."""
    for items, props, width in ((100, 25, 120), (40, 10, 80), (15, 5, 60), (5, 2, 40), (0, 0, 20)):
        text = _compare_markdown(diff, items, props, width)
        if len(text) <= limit - _MARGIN:
            return text
    return text[: limit - _MARGIN] + "\n\n…(truncated to fit a comment)\n"


def render_compare_text(diff: PlanDiff) -> str:
    lines = [f"qmoi-cloud {diff.head_stack}: {diff.headline()}"]
    for change in diff.added + diff.removed + diff.changed:
        sign = {"added": "+", "removed": "-", "changed": "~"}[change.kind]
        cost = "cost unknown" if diff.cost_missing else f"{usd(change.cost_delta, signed=True)}/month"
        lines.append(f"  {sign} {change.name} ({change.type}) {cost}")
        lines += [f"      {p.path}: {p.before!r} -> {p.after!r}" for p in change.properties[:10]]
    if diff.cost_missing:
        lines.append(f"  monthly cost: NOT PRICED in the {' and '.join(diff.cost_missing)} plan")
        lines += [f"    {e}" for e in diff.cost_errors]
    else:
        lines += [f"  {p}: {usd(b)} -> {usd(a)}" for p, b, a in diff.providers()]
    return "\n".join(lines)


COMPARE_RENDERERS: dict[str, Any] = {
    "text": render_compare_text,
    "markdown": render_compare_markdown,
    "json": lambda diff: json.dumps(diff.to_json(), indent=2, default=str),
}
