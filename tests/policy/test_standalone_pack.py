"""The policy pack runs on its own: copied out of the repository (as `pulumi policy publish` ships it and a
Pulumi Cloud policy group installs it), it starts and evaluates the budget rules with what it carries."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.check import PolicyPackServer, PolicyReport, evaluate_records, pack_config
from infra.check.pack_vendor import VENDOR_DIR, stale_files, vendored_files
from infra.config import load_stack_file
from infra.cost import estimate
from infra.plan import Plan
from tests.conftest import ROOT
from tests.test_requirements import pins

BUDGET_RULES = ("budget-per-provider", "budget-limits-within-stack-budget", "estimated-cost-within-budget")


@pytest.fixture(scope="module")
def pack_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`policy/` alone, in a folder outside the repository that is not even called `policy`."""
    target = tmp_path_factory.mktemp("published") / "qmoi-cloud-policies-0.1.0"
    shutil.copytree(ROOT / "policy", target, ignore=shutil.ignore_patterns("__pycache__"))
    assert not target.resolve().is_relative_to(ROOT)
    return target


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No PYTHONPATH: the pack's process cannot import this repository (it runs in the copy's folder)."""
    monkeypatch.delenv("PYTHONPATH", raising=False)


@pytest.fixture(scope="module")
def copied_pack(pack_copy: Path, dev_plan: Plan) -> Iterator[PolicyPackServer]:
    """The copy started the way the CLI starts a pack, for the dev stack, with no PYTHONPATH."""
    stack_file = load_stack_file("dev")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("PYTHONPATH", raising=False)
        server = PolicyPackServer("dev", stack_file.config, stack_file.secret_keys, pack_dir=pack_copy).start()
    try:
        yield server
    finally:
        server.stop()


def _evaluate(pack: PolicyPackServer, plan: Plan, budget_usd: float | None = None) -> PolicyReport:
    assert plan.config is not None
    config = pack_config(plan.config)
    if budget_usd is not None:
        for rule in BUDGET_RULES:
            config[rule] = config[rule] | {"monthlyBudgetUsd": budget_usd}
    return evaluate_records(pack, plan.stack, plan.resources, config)


def test_the_repository_is_not_importable_where_the_copied_pack_runs(pack_copy: Path, clean_environment: None):
    probe = subprocess.run(
        [sys.executable, "-c", "import infra"], cwd=pack_copy, capture_output=True, text=True, check=False
    )
    assert probe.returncode != 0 and "No module named 'infra'" in probe.stderr


def test_a_copy_of_the_pack_outside_the_repository_evaluates_the_budget_rules(
    copied_pack: PolicyPackServer, dev_plan: Plan
) -> None:
    report = _evaluate(copied_pack, dev_plan)
    assert set(BUDGET_RULES) <= {p.name for p in copied_pack.info.policies}
    assert not set(BUDGET_RULES) & set(report.not_evaluated)
    budget_verdicts = [v for v in report.violations if v.policy in BUDGET_RULES]
    assert not budget_verdicts, [v.detail for v in budget_verdicts]
    assert report.passed


def test_the_copied_pack_prices_the_stack_with_the_same_numbers_as_the_cost_model(
    copied_pack: PolicyPackServer, dev_plan: Plan
) -> None:
    report = _evaluate(copied_pack, dev_plan, budget_usd=100)
    (verdict,) = [v for v in report.violations if v.policy == "estimated-cost-within-budget"]
    total = estimate(dev_plan).total_usd
    assert f"estimated monthly cost at least {total:,.2f} USD (dev) exceeds the stack's budget 100.00 USD" in (
        verdict.detail
    )


def test_without_its_vendored_model_the_copy_does_not_start(pack_copy: Path, clean_environment: None, tmp_path: Path):
    """What a published copy did before it carried its model: it cannot even import its rules."""
    bare = tmp_path / "bare-pack"
    shutil.copytree(pack_copy, bare, ignore=shutil.ignore_patterns("vendor", "__pycache__"))
    server = PolicyPackServer("dev", pack_dir=bare, start_timeout=20)
    with pytest.raises(Exception, match="did not start") as raised:
        server.start()
    server.stop()
    assert "No module named 'infra'" in str(raised.value)


def test_the_vendored_model_is_what_the_sources_give() -> None:
    assert stale_files() == [], "policy/vendor is stale: run python -m infra policies --write-config"


def test_every_vendored_python_file_says_it_is_generated() -> None:
    for path, content in vendored_files().items():
        if path.endswith(".py"):
            assert content.startswith(b"# GENERATED from infra/"), path


def _imports(source: bytes) -> Iterator[str]:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def _declared_modules() -> set[str]:
    """Top-level modules of the pack's requirements (and their dependencies), as installed here."""
    from importlib.metadata import packages_distributions

    declared = set(pins("policy/requirements.txt"))
    return {
        m for m, dists in packages_distributions().items() if {d.lower().replace("_", "-") for d in dists} & declared
    }


def test_the_pack_imports_only_itself_its_vendored_model_the_standard_library_and_its_requirements() -> None:
    allowed = set(sys.stdlib_module_names) | _declared_modules() | {"policy", "infra"}
    vendored = {p.removesuffix(".py").removesuffix("/__init__").replace("/", ".") for p in vendored_files()}
    sources = [p.read_bytes() for p in (ROOT / "policy").rglob("*.py") if not p.is_relative_to(VENDOR_DIR)]
    sources += [content for path, content in vendored_files().items() if path.endswith(".py")]
    missing = set()
    for source in sources:
        for module in _imports(source):
            top = module.split(".")[0]
            if top not in allowed or (
                top == "infra" and not any(module == v or v.startswith(module + ".") for v in vendored)
            ):
                missing.add(module)
    assert not missing, f"imports the pack does not carry or declare: {sorted(missing)}"


def test_the_pack_requirements_hold_everything_their_top_level_packages_need() -> None:
    from importlib.metadata import requires

    from packaging.requirements import Requirement

    declared = pins("policy/requirements.txt")
    needed: set[str] = set()
    todo = ["pulumi", "pulumi-policy", "pydantic", "pyyaml"]
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        needed.add(name)
        for line in requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name.lower().replace("_", "-"))
    # setuptools comes with every virtual environment pip creates.
    assert needed - {"setuptools"} <= set(declared), sorted(needed - set(declared))


@pytest.mark.parametrize("name", ["README.md", "MANIFEST"])
def test_the_vendored_folder_explains_itself(name: str) -> None:
    assert (VENDOR_DIR / name).is_file()
