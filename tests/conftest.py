"""Shared fixtures: plans of the shipped stacks (once per session) and a component recorder.

Planning a whole stack costs ~0.3 s after the SDK imports; doing it once per session per
stack, and building single components with small configs, keeps the suite fast.
"""

from __future__ import annotations

import copy
import gc
import importlib.util
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

# As in infra/__main__.py: the provider SDKs hold ~a million long-lived objects, and default GC
# thresholds rescan them constantly. Collect rarely instead of never, since a session plans often.
gc.set_threshold(200_000, 50, 1000)

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from infra.config import PlatformConfig, load_stack_file, validate  # noqa: E402
from infra.plan import Plan  # noqa: E402
from infra.plan.mocks import PlatformMocks  # noqa: E402
from infra.plan.runner import plan_stack, record  # noqa: E402

SHIPPED_STACKS = ("dev", "staging", "prod")

# The smallest valid configuration; tests enable what they exercise.
MINIMAL: dict[str, Any] = {
    "tags": {"owner": "platform-team", "cost-center": "cc-1042"},
    "budget": {"monthly_usd": 1000, "alert_emails": ["alerts@example.com"]},
}


def make_config(environment: str = "dev", **blocks: Any) -> PlatformConfig:
    """A validated config: MINIMAL plus `blocks` (deep-merged by the profile machinery)."""
    raw = copy.deepcopy(MINIMAL) | {"environment": environment} | blocks
    return validate(raw, environment)


def load_handler(relative_path: str) -> ModuleType:
    """Import a handler file under functions/ by path (handler folders are not packages)."""
    path = ROOT / "functions" / relative_path
    spec = importlib.util.spec_from_file_location(
        "handler_" + relative_path.replace("/", "_").removesuffix(".py"), path
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_plans: dict[str, Plan] = {}
_planned_files: dict[tuple[str, str, tuple[str, ...]], Plan] = {}


@pytest.fixture(scope="session")
def stack_plan() -> Callable[[str], Plan]:
    """`stack_plan("prod")`: the shipped stack's plan, computed once per session."""

    def get(stack: str) -> Plan:
        if stack not in _plans:
            _plans[stack] = plan_stack(stack)
            _planned_files[_file_key(load_stack_file(stack))] = _plans[stack]
        return _plans[stack]

    return get


def _file_key(stack_file: Any) -> tuple[str, str, tuple[str, ...]]:
    """A stack file's identity for `reuse_plans`: its stack, its settings and which of them are secret."""
    settings = json.dumps(stack_file.config, sort_keys=True, default=str)
    return stack_file.stack, settings, tuple(stack_file.secret_keys)


@pytest.fixture
def reuse_plans(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands run in-process plan each stack file once per session (keyed by its content).

    For tests of what the commands do with a plan (reports, verdicts, exit codes): planning
    itself, and its determinism, are tested without this fixture. Each caller gets a copy, so
    a report that changed a plan could not leak into another test.
    """
    from infra.plan import runner

    real = runner.plan_stack_file

    def memoized(stack_file: Any, mocks: Any = None, config: Any = None, on_record: Any = None) -> Plan:
        if mocks is not None:
            return real(stack_file, mocks, config, on_record)
        key = _file_key(stack_file)
        if key not in _planned_files:
            _planned_files[key] = real(stack_file, None, config, None)
        plan = copy.deepcopy(_planned_files[key])
        for resource in plan.resources if on_record else ():
            on_record(resource)
        return plan

    monkeypatch.setattr(runner, "plan_stack_file", memoized)


@pytest.fixture(scope="session")
def dev_plan(stack_plan: Callable[[str], Plan]) -> Plan:
    """The shipped dev stack, planned once per session."""
    return stack_plan("dev")


@pytest.fixture(scope="session")
def staging_plan(stack_plan: Callable[[str], Plan]) -> Plan:
    """The shipped staging stack, planned once per session."""
    return stack_plan("staging")


@pytest.fixture(scope="session")
def prod_plan(stack_plan: Callable[[str], Plan]) -> Plan:
    """The shipped prod stack, planned once per session."""
    return stack_plan("prod")


REVIEW_STACK = "pr-42"


@pytest.fixture(scope="session")
def review_stack(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Plan]:
    """A review stack as the README makes one: Pulumi.dev.yaml copied to Pulumi.pr-42.yaml (stack file, plan),
    planned once per session. Its names carry its own token, not the environment's."""
    from infra.config import load_stack_file
    from infra.plan.runner import plan_stack_file

    path = tmp_path_factory.mktemp("stacks") / f"Pulumi.{REVIEW_STACK}.yaml"
    shutil.copy(ROOT / "Pulumi.dev.yaml", path)
    stack_file = load_stack_file(REVIEW_STACK, path)
    return stack_file, plan_stack_file(stack_file)


@pytest.fixture(scope="session")
def review_plan(review_stack: tuple[Any, Plan]) -> Plan:
    """The plan of the review stack `pr-42` (a copy of dev)."""
    return review_stack[1]


@pytest.fixture(scope="session")
def record_component() -> Callable[..., Plan]:
    """`record_component(lambda: Component(...), stack="dev", mocks=...)` -> Plan of what it registered."""

    def run(build: Callable[[], Any], stack: str = "dev", mocks: PlatformMocks | None = None) -> Plan:
        return record(build, stack=stack, mocks=mocks)

    return run
