"""Rendering the policy pack's verdicts (text, Markdown, inside a JSON plan) and its rules table."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable

from infra.check import PolicyReport, Verdict
from infra.check.all_stacks import AllStacksReport
from policy.rules import RULES
from policy.rules.contracts import AREA as CONTRACTS_AREA


def _first_line(text: str, limit: int = 300) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def render_policy_text(policy: PolicyReport) -> str:
    """The pack's verdicts grouped by resource, then notes, then the summary line."""
    lines = [f"policy pack {policy.pack}: stack {policy.stack}"]
    by_resource: dict[str, list[Verdict]] = defaultdict(list)
    for verdict in policy.violations:
        by_resource[verdict.resource or "(stack)"].append(verdict)
    for resource, verdicts in by_resource.items():
        lines.append(f"  {resource}")
        lines += [f"    {v.level.upper():<9} {v.policy}: {_first_line(v.detail)}" for v in verdicts]
    lines += [f"  note      {n.policy}: {_first_line(n.detail)}" for n in policy.notes]
    lines += [f"  not evaluated: {name}: {_first_line(reason)}" for name, reason in policy.not_evaluated.items()]
    lines.append(policy.summary_line())
    return "\n".join(lines)


def render_all_stacks_text(report: AllStacksReport) -> str:
    """Each stack's verdicts and resource count, then the conflicts between stacks, then the verdict."""
    parts = [render_policy_text(policy) for policy in report.reports.values()]
    counts = ", ".join(f"{s} {n}" for s, n in report.resources.items())
    lines = [f"stacks checked together: {', '.join(report.reports)} (resources: {counts})"]
    lines += [f"  CONFLICT  {c.describe()}" for c in report.conflicts] or ["  no conflicts between the stacks"]
    status = "passed" if report.passed else "failed"
    lines.append(f"{status} in {report.elapsed_s:.1f} s: {len(report.conflicts)} conflicts")
    return "\n\n".join([*parts, "\n".join(lines)])


def render_policy_markdown(policy: PolicyReport) -> str:
    status = "passed" if policy.passed else "**failed**"
    rows = "\n".join(
        f"| {v.level} | `{v.policy}` | `{v.resource or '(stack)'}` | {_first_line(v.detail).replace('|', '/')} |"
        for v in policy.violations
    )
    table = f"\n\n| level | policy | resource | message |\n|---|---|---|---|\n{rows}" if rows else ""
    notes = "".join(f"\n- `{n.policy}`: {_first_line(n.detail)}" for n in policy.notes)
    skipped = "".join(f"\n- `{k}`: {_first_line(v)}" for k, v in policy.not_evaluated.items())
    return (
        f"#### Policy ({status})\n\n{policy.summary_line()}.{table}"
        + (f"\n\n<details><summary>Notes</summary>\n{notes}\n\n</details>" if notes else "")
        + (f"\n\nNot evaluated:{skipped}" if skipped else "")
        + "\n"
    )


def with_policy(fmt: str, rendered: str, policy: PolicyReport) -> str:
    """A rendered plan with the policy verdicts added in the same format (json: a "policy" key)."""
    if fmt == "json":
        return json.dumps(json.loads(rendered) | {"policy": policy.to_json()}, indent=2, default=str)
    if fmt == "markdown":
        return rendered + "\n" + render_policy_markdown(policy)
    return rendered + "\n\n" + render_policy_text(policy)


def render_policy_json(policy: PolicyReport) -> str:
    """`check --format json`: the stack and the pack's verdicts (the same object as a plan's `policy` key)."""
    return json.dumps({"stack": policy.stack, **policy.to_json(), "summary": policy.summary_line()}, indent=2)


def all_stacks_json(report: AllStacksReport) -> str:
    """`check --all-stacks --format json`: each stack's verdicts, its resource count, the conflicts between stacks."""
    return json.dumps(
        {
            "passed": report.passed,
            "stacks": {
                stack: {"resources": report.resources.get(stack), **policy.to_json()}
                for stack, policy in report.reports.items()
            },
            "conflicts": [
                {"kind": c.kind, "what": c.what, "stacks": list(c.stacks), "resources": list(c.resources)}
                for c in report.conflicts
            ],
            "elapsedSeconds": round(report.elapsed_s, 1),
        },
        indent=2,
    )


def render_all_stacks_markdown(report: AllStacksReport) -> str:
    parts = [render_policy_markdown(policy) for policy in report.reports.values()]
    conflicts = "".join(f"\n- {c.describe()}" for c in report.conflicts) or "\nNo conflicts between the stacks."
    return "\n".join(parts) + f"\n#### Between the stacks ({'passed' if report.passed else 'failed'})\n{conflicts}\n"


def rules_text() -> str:
    return "\n".join(
        f"{rule.name:<40} {rule.enforcement.value:<9} {rule.severity.value:<8} {', '.join(rule.providers)}"
        for rule in RULES
    )


def rules_json() -> str:
    """`policies --format json`: every rule of the pack with its metadata (what the README table shows, and more)."""
    return json.dumps(
        [
            {
                "name": rule.name,
                "area": rule.area,
                "kind": rule.kind,
                "providers": list(rule.providers),
                "enforcement": rule.enforcement.value,
                "informational": rule.informational,
                "severity": rule.severity.value,
                "description": rule.description,
                "types": list(rule.types),
                "cannotSee": rule.cannot_see,
                "remediation": rule.remediation,
                "docs": list(rule.docs),
            }
            for rule in RULES
        ],
        indent=2,
    )


def rules_table() -> str:
    """The README table, generated from the pack's own rule metadata."""
    rows = [
        "| rule | area | kind | providers | level | severity | cannot see at preview |",
        "|---|---|---|---|---|---|---|",
    ]
    for rule in RULES:
        level = rule.enforcement.value + (" (informational)" if rule.informational else "")
        if rule.area == "budgets":
            level = "advisory in dev, mandatory in staging/prod (budget.enforcement)"
        rows.append(
            f"| `{rule.name}` | {rule.area} | {rule.kind} | {', '.join(rule.providers)} | {level} | "
            f"{rule.severity.value} | {rule.cannot_see} |"
        )
    return "\n".join(rows) + "\n"


def contracts_table() -> str:
    """The README table of deploy contracts: each contract, the providers it covers, the documentation it rests on."""
    rows = ["| contract | providers | what it checks | documentation |", "|---|---|---|---|"]
    for rule in RULES:
        if rule.area != CONTRACTS_AREA:
            continue
        links = ", ".join(f"[{i + 1}]({url})" for i, url in enumerate(rule.docs)) or "-"
        description = rule.description.replace("|", "/")
        rows.append(f"| `{rule.name}` | {', '.join(rule.providers)} | {description} | {links} |")
    return "\n".join(rows) + "\n"


POLICY_RENDERERS: dict[str, Callable[[PolicyReport], str]] = {
    "text": render_policy_text,
    "markdown": render_policy_markdown,
    "json": render_policy_json,
}
ALL_STACKS_RENDERERS: dict[str, Callable[[AllStacksReport], str]] = {
    "text": render_all_stacks_text,
    "markdown": render_all_stacks_markdown,
    "json": all_stacks_json,
}
RULES_RENDERERS: dict[str, Callable[[], str]] = {"text": rules_text, "markdown": rules_table, "json": rules_json}
