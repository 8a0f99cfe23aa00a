"""Property: every bad stack file generated from a shipped one gets exit 2 naming the offending key.

Hypothesis takes a shipped stack file (dev, staging or prod) and makes one mistake in it:
a value of the wrong type, a number out of range (negative, NaN, infinite), an unknown key at
any depth, malformed YAML (a stray mapping, a reserved character, an undefined alias, a Python
tag), a duplicated key, a value too large for the engine, or a byte that is not UTF-8. For every
case `python -m infra check` (run in this process) must exit 2 with the key path in its error,
no traceback, no policy pack started or left running, within a time bound. Expected key paths
come from the YAML tree of the original file (independently of how the loader finds them).
"""

from __future__ import annotations

import math
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.config.stackfile import ENGINE_CONFIG_LIMIT_BYTES
from tests.conftest import ROOT
from tests.fail_closed.conftest import pack_children

STACKS = ("dev", "staging", "prod")
KINDS = ("wrong type", "out of range", "unknown key", "malformed YAML", "duplicate key", "huge value", "not UTF-8")
# About 15 per kind; every one is a full in-process CLI run. QMOI_HYPOTHESIS_EXAMPLES=1500 for a deeper search.
EXAMPLES = int(os.environ.get("QMOI_HYPOTHESIS_EXAMPLES", "105"))
TIME_BOUND_S = 2.0

Path_ = tuple[Any, ...]


@dataclass(frozen=True)
class Shipped:
    lines: tuple[str, ...]
    document: Any
    leaves: tuple[tuple[Path_, Any], ...]  # scalar and list leaves under qmoi-cloud blocks
    mappings: tuple[Path_, ...]  # mappings: the config itself and every mapping under a qmoi-cloud block
    key_lines: tuple[tuple[int, Path_], ...]  # (0-based line, path) of `key: scalar` lines, no list dash


@cache
def shipped(stack: str) -> Shipped:
    text = (ROOT / f"Pulumi.{stack}.yaml").read_text()
    document = yaml.safe_load(text)
    leaves: list[tuple[Path_, Any]] = []
    mappings: list[Path_] = [()]

    def walk(value: Any, path: Path_) -> None:
        if isinstance(value, dict):
            if path:
                mappings.append(path)
            for key, item in value.items():
                walk(item, (*path, key))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for i, item in enumerate(value):
                walk(item, (*path, i))
        else:
            leaves.append((path, value))

    for key, block in document["config"].items():
        walk(block, (key,))
    key_lines: list[tuple[int, Path_]] = []

    def lines_of(node: yaml.Node, path: Path_) -> None:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                child = (*path, key_node.value)
                line = key_node.start_mark.line
                if isinstance(value_node, yaml.ScalarNode) and "- " not in text.splitlines()[line]:
                    key_lines.append((line, child))
                lines_of(value_node, child)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines_of(item, (*path, i))

    root = yaml.compose(text)
    assert root is not None
    config = next(v for k, v in root.value if k.value == "config")
    lines_of(config, ())
    return Shipped(tuple(text.splitlines()), document, tuple(leaves), tuple(mappings), tuple(key_lines))


@dataclass(frozen=True)
class Case:
    stack: str
    kind: str
    content: bytes
    path: Path_  # the key path the error must name

    def named_in(self, err: str) -> bool:
        """The path, without the `qmoi-cloud:` namespace, written with `.N` or `[N]` for list items."""
        parts = [str(p) for p in self.path]
        parts[0] = parts[0].removeprefix("qmoi-cloud:")
        dotted = ".".join(parts)
        bracketed = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in self.path[1:])
        return dotted in err or (parts[0] + bracketed) in err


def _dump(document: Any) -> bytes:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True).encode()


def _with(document: Any, path: Path_, value: Any) -> Any:
    changed = yaml.safe_load(yaml.safe_dump(document))
    target = changed["config"]
    for key in path[:-1]:
        target = target[key]
    if path:
        target[path[-1]] = value
    return changed


def _wrong_values(value: Any) -> list[Any]:
    """Values of a type the field cannot take, whatever its type (pydantic's lax mode included)."""
    if isinstance(value, bool):
        return ["maybe", 2.5, [True], {"on": 1}]
    if isinstance(value, int | float):
        return ["many", [1], {"n": 1}]
    if isinstance(value, str):
        return [123, [value], {"zz_unknown": value}]
    if isinstance(value, list):
        return ["text", 5, {"zz_unknown": 1}]
    return ["text", 5, [1]]


@st.composite
def cases(draw: Callable[..., Any]) -> Case:
    stack = draw(st.sampled_from(STACKS))
    kind = draw(st.sampled_from(KINDS))
    ship = shipped(stack)
    doc = ship.document
    if kind == "wrong type":
        blocks = [(p, None) for p in ship.mappings if p]  # whole blocks, too
        path, value = draw(st.sampled_from([*ship.leaves, *blocks]))
        value = value if value is not None else {}
        wrong = draw(st.sampled_from(_wrong_values(value)))
        return Case(stack, kind, _dump(_with(doc, path, wrong)), path)
    if kind == "out of range":
        numbers = [(p, v) for p, v in ship.leaves if isinstance(v, int | float) and not isinstance(v, bool)]
        path, _ = draw(st.sampled_from(numbers))
        bad = draw(st.sampled_from([-1, -1e9, math.nan, math.inf, -math.inf]))
        return Case(stack, kind, _dump(_with(doc, path, bad)), path)
    if kind == "unknown key":
        path = draw(st.sampled_from(ship.mappings))
        key = "qmoi-cloud:zz_unknown" if not path else "zz_unknown"
        return Case(stack, kind, _dump(_with(doc, (*path, key), 1)), (*path, key))
    if kind == "huge value":
        strings = [(p, v) for p, v in ship.leaves if isinstance(v, str)]
        path, _ = draw(st.sampled_from(strings))
        huge = "x" * draw(st.integers(ENGINE_CONFIG_LIMIT_BYTES, ENGINE_CONFIG_LIMIT_BYTES + 50_000))
        return Case(stack, kind, _dump(_with(doc, path, huge)), path[:1])  # the size error names the block
    line, path = draw(st.sampled_from(ship.key_lines))
    lines = list(ship.lines)
    if kind == "duplicate key":
        lines.insert(line + 1, lines[line])
        return Case(stack, kind, ("\n".join(lines) + "\n").encode(), path)
    if kind == "malformed YAML":
        key, _, _ = lines[line].partition(": ")
        broken = draw(
            st.sampled_from(["{value}: nested", "@reserved", "*undefined_alias", "!!python/object:os.system x"])
        )
        value = lines[line].partition(": ")[2]
        lines[line] = f"{key}: {broken.format(value=value)}"
        return Case(stack, kind, ("\n".join(lines) + "\n").encode(), path)
    # not UTF-8: one bad byte inside the value of that line
    raw = [s.encode() for s in lines]
    byte = draw(st.sampled_from([b"\xff", b"\xfe", b"\x80", b"\xc3\x28"]))
    raw[line] = raw[line] + byte
    return Case(stack, kind, b"\n".join(raw) + b"\n", path)


def test_bad_stack_files_generated_from_the_shipped_ones_exit_2_naming_the_key(cli, tmp_path, capsys):
    before = set(pack_children(os.getpid()))
    figures: Counter[str] = Counter()
    slowest = 0.0

    @settings(
        max_examples=EXAMPLES,
        deadline=None,  # the bound is asserted below, on the CLI run alone
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(case=cases())
    def one(case: Case) -> None:
        nonlocal slowest
        path = tmp_path / f"Pulumi.{case.stack}.yaml"
        path.write_bytes(case.content)
        started = time.perf_counter()
        result = cli("check", "--stack", case.stack, "--stack-file", str(path))
        elapsed = time.perf_counter() - started
        slowest = max(slowest, elapsed)
        assert result.code == 2, f"{case.kind} at {case.path}: exit {result.code}\n{result.err}"
        assert "Traceback" not in result.err
        assert case.named_in(result.err), f"{case.kind}: {case.path} not named in\n{result.err}"
        assert elapsed < TIME_BOUND_S, f"{case.kind} took {elapsed:.2f} s"
        figures[case.kind] += 1

    one()
    assert set(pack_children(os.getpid())) <= before, "a policy pack was left running"
    assert set(figures) == set(KINDS), figures  # every kind of mistake was generated
    with capsys.disabled():
        print(
            f"\nhypothesis: {sum(figures.values())} bad stack files, all exit 2 naming the key, 0 tracebacks, "
            f"slowest {slowest:.2f} s; by kind: {dict(figures)}"
        )
