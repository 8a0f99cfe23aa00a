"""Helpers for the fail-closed suite: bad stack files written from the shipped ones, the CLI run in-process.

`cli` runs `python -m infra` in this process (fast: a bad configuration is refused before any
provider SDK or policy pack starts) with the policy pack's spawn replaced by a tripwire, so a
test fails if anything expensive starts for a configuration that is not known good.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.cli import main
from tests.conftest import ROOT

PROVIDER_BLOCKS = ("aws", "gcp", "azure", "cloudflare", "digitalocean")


def shipped(stack: str) -> dict[str, Any]:
    """The shipped stack file's document (a fresh copy)."""
    return yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())


def only(document: dict[str, Any], *providers: str) -> dict[str, Any]:
    """`document` with every provider but `providers` disabled (a smaller, faster stack)."""
    changed = copy.deepcopy(document)
    for name in PROVIDER_BLOCKS:
        if name not in providers:
            changed["config"][f"qmoi-cloud:{name}"]["enabled"] = False
    return changed


def write(tmp_path: Path, content: dict[str, Any] | str | bytes, name: str = "Pulumi.test.yaml") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
    return path


def pack_children(parent: int) -> list[int]:
    """Live policy-pack processes whose parent is `parent`."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == parent and fields[0] != "Z" and b"pulumi.policy" in cmdline:
            found.append(int(proc.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@dataclass
class Result:
    code: int
    out: str
    err: str


class PackSpawnedError(AssertionError):
    """The policy pack was about to start for a configuration that is not known good."""


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """`cli("check", "--stack", "dev", ...)`: main() in-process; spawning the policy pack fails the test."""
    from infra.check import pack

    def tripwire(self: Any) -> Any:
        raise PackSpawnedError("the policy pack was spawned before the configuration was known good")

    monkeypatch.setattr(pack.PolicyPackServer, "spawn", tripwire)

    def run(*args: str) -> Result:
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def bad_file(tmp_path: Path) -> Callable[..., Path]:
    """`bad_file(content)`: a stack file in a temporary directory."""
    return lambda content, name="Pulumi.test.yaml": write(tmp_path, content, name)
