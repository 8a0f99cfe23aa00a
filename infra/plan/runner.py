"""The offline plan: run the real program on Pulumi's mock runtime and record what it declares.

`plan_stack("dev")` reads `Pulumi.dev.yaml` like the CLI does, validates it, then runs
`__main__.py` itself (the same program `pulumi up` runs) with `RecordingMonitor`, and
returns a `Plan`: every registration with its parent, inputs, protect flag and
dependencies. `record(fn)` does the same for any callable, which is how component
tests build one component on the same machinery.
"""

from __future__ import annotations

import asyncio
import contextlib
import runpy
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config
from pulumi.runtime import mocks as runtime_mocks
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime import stack as runtime_stack

from infra.config import NAMESPACE, ROOT, PlatformConfig, StackFile, load_stack_file
from infra.config.reading import SECRET_PLACEHOLDER, required_secrets
from infra.plan.mocks import PlatformMocks, RecordingMonitor
from infra.plan.records import Plan, ResourceRecord


class ProgramError(Exception):
    """The program stopped with a `pulumi.RunError`: its own clear message (the engine shows no traceback)."""


def record(
    program: Callable[[], Any],
    *,
    stack: str = "test",
    config: Mapping[str, str] | None = None,
    secret_keys: list[str] | None = None,
    mocks: PlatformMocks | None = None,
    on_record: Callable[[ResourceRecord], None] | None = None,
) -> Plan:
    """Run `program` on the mock runtime and return what it registered (`on_record` sees each registration).

    Each call gets a fresh event loop, config and root stack, so runs never leak
    into each other (tests plan several stacks in one process).
    """
    mocks = mocks or PlatformMocks()
    monitor = RecordingMonitor(mocks, on_record)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        runtime_settings.reset_options()
        runtime_config.set_all_config(dict(config or {}), secret_keys or [])
        runtime_mocks.set_mocks(mocks, project=NAMESPACE, stack=stack, preview=False, monitor=monitor)
        try:
            program()
            loop.run_until_complete(runtime_stack.wait_for_rpcs())
        except pulumi.RunError as exc:
            raise ProgramError(str(exc)) from None
        root = runtime_settings.get_root_resource()
        outputs = _resolve_outputs(loop, root.outputs if root is not None else {})  # type: ignore[attr-defined]
    except BaseException:
        _abandon(loop)  # interrupted (Ctrl-C, SIGTERM) or failed: leave no half-run registrations behind
        raise
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    # Registrations arrive in whatever order the SDK's tasks finish; sorting by URN makes every
    # report of the same program identical from run to run (URNs are unique per stack).
    return Plan(stack=stack, resources=sorted(monitor.records, key=lambda r: r.urn), outputs=outputs)


def _abandon(loop: asyncio.AbstractEventLoop, grace_s: float = 1.0) -> None:
    """Cancel the program's pending tasks and let them unwind briefly, so closing the loop is quiet."""
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    if pending and not loop.is_running():
        with contextlib.suppress(BaseException):
            loop.run_until_complete(asyncio.wait(pending, timeout=grace_s))
    for task in pending:
        task._log_destroy_pending = False  # type: ignore[attr-defined]  # abandoned on purpose


def _resolve_outputs(loop: asyncio.AbstractEventLoop, outputs: Mapping[str, Any]) -> dict[str, Any]:
    """Stack exports as plain values; secret exports redacted."""
    resolved: dict[str, Any] = {}
    for key, value in outputs.items():
        output = pulumi.Output.from_input(value)
        is_secret = loop.run_until_complete(output.is_secret())
        resolved[key] = "[secret]" if is_secret else loop.run_until_complete(output.future())
    return resolved


def run_main() -> None:
    """Run the project's `__main__.py`: the program `pulumi up` runs."""
    runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")


def plan_stack_file(
    stack_file: StackFile,
    mocks: PlatformMocks | None = None,
    config: PlatformConfig | None = None,
    on_record: Callable[[ResourceRecord], None] | None = None,
) -> Plan:
    """Validate a loaded stack file (unless `config` is its validated configuration), then plan it.

    A secret setting the stack needs but its file does not hold yet is given a placeholder (the
    offline plan never decrypts anything anyway) and named in the plan's warnings: under the
    engine, the program stops before declaring anything until it is set.
    Raises ConfigError when invalid, ProgramError when the program stops with a RunError.
    """
    config = config if config is not None else stack_file.validated()
    stack_file, warnings = with_offline_secrets(stack_file, config)
    plan = record(
        run_main,
        stack=stack_file.stack,
        config=stack_file.config,
        secret_keys=stack_file.secret_keys,
        mocks=mocks,
        on_record=on_record,
    )
    plan.config = config
    plan.warnings = config.notices() + warnings
    return plan


def with_offline_secrets(stack_file: StackFile, config: PlatformConfig) -> tuple[StackFile, list[str]]:
    """The stack file with a placeholder for each needed secret setting it lacks, and a warning for each."""
    values, secret_keys, warnings = dict(stack_file.config), list(stack_file.secret_keys), []
    for key, (needed_by, wanted) in required_secrets(config).items():
        full = f"{NAMESPACE}:{key}"
        if full in values:
            continue
        values[full] = SECRET_PLACEHOLDER
        secret_keys.append(full)
        listing = ", ".join(f"{owner}.{name}" for owner, names in wanted.items() for name in names)
        warnings.append(
            f"{full} is not set ({needed_by} needs {listing}): `pulumi up` stops before declaring anything until "
            f"it is; set each with `pulumi config set --secret --path '{key}.<name>.<NAME>' <value>`"
        )
    if not warnings:
        return stack_file, []
    return replace(stack_file, config=values, secret_keys=secret_keys), warnings


def plan_stack(stack: str, mocks: PlatformMocks | None = None) -> Plan:
    """Plan a shipped stack (`Pulumi.<stack>.yaml`)."""
    return plan_stack_file(load_stack_file(stack), mocks)
