"""The edge_router Worker's own tests (node --test), run when Node.js is installed."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import ROOT

NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
def test_edge_router_adds_security_headers_answers_health_and_pins_origins():
    assert NODE is not None
    result = subprocess.run(  # noqa: S603 (node from PATH running our test file)
        [NODE, "--test", "functions/edge_router/worker.test.mjs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "# fail 0" in result.stdout
