"""Generated sections of the documentation, so figures in the README are produced, not typed.

    python -m infra docs          # rewrite every generated section in README.md and docs/
    python -m infra docs --check  # exit 1 if any section is stale (CI runs the equivalent test)

A section is the text between `<!-- NAME:start -->` and `<!-- NAME:end -->`; the same
section may appear in several files (the README repeats the cost and policy tables of
docs/cost.md and docs/policy.md).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from infra.config import ROOT, SHIPPED_STACKS

DOC_FILES = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
_SECTION = re.compile(r"(<!-- (?P<name>[a-z-]+):start -->\n)(?P<body>.*?)(<!-- (?P=name):end -->)", re.S)


def generators() -> dict[str, Callable[[], str]]:
    """Section name -> the function that renders it (imported lazily: some plan stacks)."""

    @cache
    def plans() -> list[Any]:
        from infra.plan.runner import plan_stack

        return [plan_stack(s) for s in SHIPPED_STACKS]

    def cost_table() -> str:
        from infra.cost import estimate
        from infra.report.cost import stacks_table

        return stacks_table([estimate(plan) for plan in plans()])

    def resource_counts() -> str:
        from infra.report.plan import resource_counts_table

        return resource_counts_table(plans())

    def policy_table() -> str:
        from infra.report.policy import rules_table

        return rules_table()

    def contracts_table() -> str:
        from infra.report.policy import contracts_table

        return contracts_table()

    def config_reference() -> str:
        from infra.report.config_reference import render

        return render()

    return {
        "cost-table": cost_table,
        "resource-counts": resource_counts,
        "policy-table": policy_table,
        "contracts-table": contracts_table,
        "config-reference": config_reference,
    }


def sections(text: str) -> dict[str, str]:
    """The generated sections of one document, by name."""
    return {m["name"]: m["body"] for m in _SECTION.finditer(text)}


def rewrite(text: str, rendered: Mapping[str, str]) -> str:
    """`text` with every known section replaced by its rendering."""

    def replace(match: re.Match[str]) -> str:
        body = rendered.get(match["name"], match["body"])
        return f"{match[1]}{body}{match[4]}"

    return _SECTION.sub(replace, text)


def main(argv: list[str]) -> int:
    wanted = {name for path in DOC_FILES for name in sections(path.read_text())}
    rendered = {name: render() for name, render in generators().items() if name in wanted}
    stale = []
    for path in DOC_FILES:
        text = path.read_text()
        new = rewrite(text, rendered)
        if new != text:
            stale.append(path.relative_to(ROOT))
            if "--check" not in argv:
                path.write_text(new)
    verb = "stale" if "--check" in argv else "rewrote"
    print(f"{verb}: {', '.join(map(str, stale))}" if stale else "generated sections are up to date")
    return 1 if stale and "--check" in argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
