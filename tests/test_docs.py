"""The README's promises: its first two commands, and generated sections that match the code."""

from __future__ import annotations

import pytest

from infra.cost import estimate
from infra.report.config_reference import render as config_reference
from infra.report.cost import stacks_table
from infra.report.docs import DOC_FILES, rewrite, sections
from infra.report.plan import resource_counts_table
from infra.report.policy import rules_table
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def rendered(stack_plan) -> dict[str, str]:
    """What `python -m infra docs` would write, from the session's plans of the shipped stacks."""
    return {
        "cost-table": stacks_table([estimate(stack_plan(s)) for s in ("dev", "staging", "prod")]),
        "resource-counts": resource_counts_table([stack_plan(s) for s in ("dev", "staging", "prod")]),
        "policy-table": rules_table(),
        "config-reference": config_reference(),
    }


def test_the_readme_starts_with_the_install_and_plan_command_then_the_test_command():
    lines = (ROOT / "README.md").read_text().splitlines()
    block = lines[lines.index("```sh") + 1 : lines.index("```sh") + 3]
    assert block[0].startswith("pip install -r requirements.txt && python -m infra plan --stack dev")
    assert block[1].startswith("pip install -r requirements-dev.txt && python -m pytest -q")
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install --quiet --disable-pip-version-check -r requirements-dev.txt" in ci
    assert "\npython -m pytest -q\n" in ci


def test_the_readme_carries_the_generated_cost_and_policy_tables():
    found = sections((ROOT / "README.md").read_text())
    assert {"cost-table", "policy-table"} <= set(found)
    assert [line.split("|")[1].strip() for line in found["cost-table"].splitlines()[2:]] == ["dev", "staging", "prod"]
    assert "| `required-tags` |" in found["policy-table"]


@pytest.mark.parametrize("path", DOC_FILES, ids=lambda p: p.name)
def test_every_generated_section_is_up_to_date(path, rendered):
    text = path.read_text()
    assert rewrite(text, rendered) == text, f"{path.name} is stale: run python -m infra docs"


def test_the_readme_counts_resources_as_every_report_counts_them(stack_plan):
    found = sections((ROOT / "README.md").read_text())["resource-counts"]
    rows = {line.split("|")[1].strip(): int(line.split("|")[2]) for line in found.splitlines()[2:]}
    assert rows == {s: stack_plan(s).resource_count for s in ("dev", "staging", "prod")}
