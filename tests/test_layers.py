"""The house rules of imports: no cycles, and every import runs from a higher layer to a lower one.

The imports are read from the source (ast), function-level imports included, so an import
hidden inside a function to dodge a cycle is still seen. The layer order is written once,
here; a module may import its own layer or any layer below it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("infra", "components", "stacks", "policy")

# Lowest first. The program (`__main__.py`) composes stacks; the offline toolchain (plan runner,
# cost model, policy runner, reports, CLI) sits above what it runs; the policy pack may use the
# cost model and the plan's record types, nothing of the toolchain that records plans.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("infra.catalog",),
    ("infra.config",),
    ("components",),
    ("stacks", "__main__"),
    ("infra.plan",),
    ("infra.cost",),
    ("policy",),
    ("infra.check",),
    ("infra.report",),
    ("infra.cli", "infra.__main__"),
)
# Parts of a lower layer the policy pack must still not import: it runs inside `pulumi preview`
# and must stay independent of the mock runtime.
PACK_FORBIDDEN = ("infra.plan.runner", "infra.plan.mocks", "infra.plan.mock_outputs")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


# The policy pack's generated copy of lower layers (infra/check/pack_vendor.py): its sources are checked in place.
GENERATED = (ROOT / "policy" / "vendor",)


@cache
def modules() -> dict[str, Path]:
    found = {
        module_name(p): p
        for package in PACKAGES
        for p in (ROOT / package).rglob("*.py")
        if not any(p.is_relative_to(g) for g in GENERATED)
    }
    found["__main__"] = ROOT / "__main__.py"
    # `infra` itself is only a namespace for its layers (a docstring, no code, no imports).
    del found["infra"]
    return found


def _is_package(name: str) -> bool:
    path = modules().get(name)
    return path is not None and path.name == "__init__.py"


def imports_of(name: str) -> Iterator[str]:
    """The project modules `name` imports, anywhere in its body."""
    known = modules()
    tree = ast.parse(known[name].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from pkg import sub` imports the submodule when there is one, else a name of pkg.
            targets = [
                f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in known else node.module for a in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target


def layer_of(name: str) -> int:
    for index, prefixes in enumerate(LAYERS):
        if any(name == p or name.startswith(f"{p}.") for p in prefixes):
            return index
    raise AssertionError(f"{name} is in no layer: add its package to LAYERS in tests/test_layers.py")


def graph() -> dict[str, set[str]]:
    return {name: set(imports_of(name)) for name in modules()}


def test_every_module_of_the_project_belongs_to_a_layer() -> None:
    for name in modules():
        layer_of(name)


def test_no_module_imports_from_a_higher_layer() -> None:
    upward = [
        f"{name} (layer {layer_of(name)}) imports {target} (layer {layer_of(target)})"
        for name, targets in graph().items()
        for target in sorted(targets)
        if layer_of(target) > layer_of(name)
    ]
    assert not upward, "imports against the layer order:\n" + "\n".join(upward)


def _cycle_from(start: str, edges: dict[str, set[str]]) -> list[str] | None:
    path: list[str] = []
    on_path: set[str] = set()
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        path.append(node)
        on_path.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt in on_path:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in done and (found := visit(nxt)):
                return found
        on_path.discard(path.pop())
        done.add(node)
        return None

    return visit(start)


def test_there_is_no_import_cycle() -> None:
    edges = graph()
    cycles = {tuple(c) for start in edges if (c := _cycle_from(start, edges))}
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in sorted(cycles))


def test_the_policy_pack_imports_nothing_of_the_plan_toolchain() -> None:
    offending = [
        f"{name} imports {target}"
        for name, targets in graph().items()
        if name.startswith("policy")
        for target in sorted(targets)
        if any(target == f or target.startswith(f"{f}.") for f in PACK_FORBIDDEN)
    ]
    assert not offending, "\n".join(offending)


def test_the_cycle_finder_finds_a_cycle_and_the_reader_sees_imports_inside_functions() -> None:
    assert _cycle_from("a", {"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle_from("a", {"a": {"b"}, "b": set()}) is None
    # policy/rules/budgets.py imports the cost model inside a function, not at the top.
    assert "infra.cost" in set(imports_of("policy.rules.budgets"))
