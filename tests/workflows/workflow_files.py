"""The GitHub workflow files as data, for the workflow tests.

PyYAML reads the bare key `on` as the boolean True (YAML 1.1), so `triggers()` looks it up
under both spellings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
STACKS = ["dev", "staging", "prod"]
REUSABLE = "./.github/workflows/pulumi.yml"


def load(name: str) -> dict[Any, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the bare key `on` as the boolean True.
    on: Any = workflow.get("on", workflow.get(True))
    return on if isinstance(on, dict) else {event: None for event in ([on] if isinstance(on, str) else on)}


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps", []))


def step(job: dict[str, Any], *, uses: str | None = None, step_id: str | None = None) -> dict[str, Any]:
    """The one step of `job` that uses the action `uses` (owner/name) or has the id `step_id`."""
    found = [
        s
        for s in steps(job)
        if (uses is not None and str(s.get("uses", "")).split("@")[0] == uses)
        or (step_id is not None and s.get("id") == step_id)
    ]
    assert len(found) == 1, f"expected one step {uses or step_id}, found {len(found)}"
    return found[0]


def walk_strings(node: Any) -> Iterator[str]:
    """Every string (keys and values) anywhere in a parsed YAML document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from walk_strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk_strings(item)
    elif isinstance(node, str):
        yield node


EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def all_workflows() -> dict[str, dict[str, Any]]:
    """Every workflow file by file name, parsed."""
    return {path.name: load(path.name) for path in sorted(WORKFLOWS.glob("*.yml"))}
