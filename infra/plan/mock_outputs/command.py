"""Outputs of the command provider's resources: what a command printed (nothing, offline)."""

from __future__ import annotations

from typing import Any

from infra.plan.mock_outputs import MockContext


def _command(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    return {"stdout": "", "stderr": ""}


OUTPUTS: dict[str, Any] = {"command:local:Command": _command}
CALLS: dict[str, Any] = {}
