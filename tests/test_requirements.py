"""Runtime and development dependencies: split, every package pinned, locks that agree with their intent."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEV_TOOLS = {"pytest", "ruff", "mypy", "hypothesis", "check-jsonschema", "types-pyyaml"}


def pins(name: str) -> dict[str, str]:
    found = {}
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-r "):
            continue
        assert "==" in line, f"{name}: {line!r} is not pinned with =="
        package, version = line.split("==", 1)
        found[package.lower().replace("_", "-")] = version
    return found


def test_every_locked_package_is_pinned_and_the_dev_lock_builds_on_the_runtime_lock() -> None:
    runtime, dev = pins("requirements.txt"), pins("requirements-dev.txt")
    assert (ROOT / "requirements-dev.txt").read_text().count("-r requirements.txt") == 1
    assert not set(runtime) & set(dev), "a package is locked twice"


def test_the_locks_agree_with_their_top_level_intent() -> None:
    for intent, lock in (("requirements.in", "requirements.txt"), ("requirements-dev.in", "requirements-dev.txt")):
        locked = pins(lock)
        for package, version in pins(intent).items():
            found = locked.get(package)
            assert found == version, f"{lock} locks {package} {found}, {intent} wants {version}"


def test_no_test_or_lint_tool_is_installed_where_the_program_runs() -> None:
    assert not DEV_TOOLS & set(pins("requirements.txt"))
    assert set(pins("requirements-dev.txt")) >= DEV_TOOLS


def test_the_policy_pack_pins_the_same_sdk_as_the_program() -> None:
    runtime, pack = pins("requirements.txt"), pins("policy/requirements.txt")
    for package in pack:
        assert pack[package] == runtime.get(package), f"policy/requirements.txt {package} differs from the program's"
