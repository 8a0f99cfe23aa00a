"""The offline-plan job's script, run exactly as the workflow runs it, produces the PR comment.

The `plan` step's `run:` text is taken from offline-plan.yml and executed the way GitHub
executes a `shell: bash` step (`bash --noprofile --norc -eo pipefail <file>`), in the
step's working directory, with the step's environment; only the values GitHub computes
(`${{ ... }}`: the base checkout, the output directory, the commit SHAs) are supplied here.
The base is the same tree as the head, so the comparison must show no change and a $0
cost delta.

Speed: planning a stack with every provider enabled costs ~14 s of CPU (the provider SDK
imports), and the job plans each stack twice. The test runs the script on a copy of the
repository whose dev stack enables only AWS, for the one stack dev (~4 s per plan). Set
QMOI_FULL_OFFLINE_PLAN=1 to also run it on the shipped stacks, unchanged (~90 s).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.workflows.workflow_files import ROOT, STACKS, load, step

GITHUB_LIMIT = 65_536
MARKER = "<!-- qmoi-cloud:offline-plan -->"
HEADLINE = "## qmoi-cloud offline plan"


def _compare_available() -> bool:
    from infra.cli import _parser

    try:
        args = _parser().parse_args(["plan", "--stack", "dev", "--compare", "base.json"])
    except SystemExit:
        return False
    return getattr(args, "compare", None) is not None


pytestmark = pytest.mark.skipif(
    not _compare_available(),
    reason="`python -m infra plan --compare BASE.json` (issue 6, the cost diff) does not exist yet",
)


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    comment: str


def plan_step() -> dict:
    job = load("offline-plan.yml")["jobs"]["plan"]
    return step(job, step_id="plan")


def run_plan_step(tree: Path, out_dir: Path, stacks: str | None = None) -> Run:
    """Run the workflow's plan script with `tree` as both the pull request and the base checkout."""
    plan = plan_step()
    assert plan["shell"] == "bash" and plan["working-directory"] == "head"
    assert set(plan["env"]) == {"STACKS", "BASE_DIR", "OUT_DIR", "HEAD_SHA", "BASE_SHA", "HEAD_PYTHON", "BASE_PYTHON"}
    assert plan["env"]["HEAD_PYTHON"].endswith("head/.venv/bin/python")
    assert plan["env"]["BASE_PYTHON"].endswith("base/.venv/bin/python")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env |= {
        "STACKS": stacks if stacks is not None else plan["env"]["STACKS"],
        "BASE_DIR": str(tree),  # ${{ github.workspace }}/base
        "OUT_DIR": str(out_dir),  # ${{ runner.temp }}/offline-plan
        "HEAD_SHA": "1111111",
        "BASE_SHA": "2222222",
        # The job's two venvs; this test's interpreter has the same pinned requirements.
        "HEAD_PYTHON": sys.executable,
        "BASE_PYTHON": sys.executable,
    }
    script = out_dir.parent / f"{out_dir.name}.sh"
    script.write_text(plan["run"])
    proc = subprocess.run(  # noqa: S603 (the workflow's own script, as GitHub runs it)
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],  # noqa: S607
        cwd=tree,  # working-directory: head
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    comment = out_dir / "comment.md"
    return Run(proc.returncode, proc.stdout, proc.stderr, comment.read_text() if comment.exists() else "")


def aws_only_copy(dest: Path) -> Path:
    """The repository's program and stack files, with every provider but AWS disabled in dev."""
    tree = dest / "repo"
    shutil.copytree(
        ROOT,
        tree,
        ignore=shutil.ignore_patterns(
            ".git", ".github", "tests", "docs", ".benchmarks", "__pycache__", ".*_cache", ".venv"
        ),
    )
    stack_file = tree / "Pulumi.dev.yaml"
    document = yaml.safe_load(stack_file.read_text())
    for key, block in document["config"].items():
        if isinstance(block, dict) and "enabled" in block and key != "qmoi-cloud:aws":
            block["enabled"] = False
    stack_file.write_text(yaml.safe_dump(document))
    return tree


@pytest.fixture(scope="module")
def dev_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    work = tmp_path_factory.mktemp("offline-plan")
    return run_plan_step(aws_only_copy(work), work / "out", stacks="dev")


def test_the_workflow_plans_every_stack() -> None:
    assert plan_step()["env"]["STACKS"].split() == STACKS


def test_the_offline_plan_of_an_unchanged_stack_passes(dev_run: Run) -> None:
    assert dev_run.returncode == 0, dev_run.stderr + dev_run.comment


def test_the_comment_opens_with_the_hidden_marker_and_the_headline(dev_run: Run) -> None:
    lines = dev_run.comment.splitlines()
    assert lines[0] == MARKER
    assert lines[1] == HEADLINE
    assert "| `dev` | ✅ passed |" in dev_run.comment
    assert "(no base plan to compare)" not in dev_run.comment, "the base plan must be used for the diff"


def test_the_comment_fits_in_one_github_comment(dev_run: Run) -> None:
    assert 200 < len(dev_run.comment) < GITHUB_LIMIT


def test_an_identical_base_shows_no_change_and_a_zero_cost_delta(dev_run: Run) -> None:
    body = dev_run.comment
    assert "### qmoi-cloud `dev`: monthly cost unchanged" in body, body
    assert "0 to create, 0 to update, 0 to replace, 0 to delete" in body
    assert "+$0.00" in body


def test_the_comment_carries_the_policy_verdict_of_each_stack(dev_run: Run) -> None:
    assert "Policy: passed" in dev_run.comment


def test_an_invalid_stack_fails_the_check_with_exit_code_2_and_still_writes_the_comment(tmp_path: Path) -> None:
    run = run_plan_step(ROOT, tmp_path / "out", stacks="nosuch")
    assert run.returncode == 2
    assert run.comment.startswith(MARKER)
    assert "| `nosuch` | ❌ invalid configuration (no base plan to compare) |" in run.comment
    assert "no stack file Pulumi.nosuch.yaml" in run.comment


@pytest.mark.skipif(os.environ.get("QMOI_FULL_OFFLINE_PLAN") != "1", reason="~90 s: set QMOI_FULL_OFFLINE_PLAN=1")
def test_the_shipped_stacks_pass_the_offline_plan_unchanged(tmp_path: Path) -> None:
    run = run_plan_step(ROOT, tmp_path / "out")
    assert run.returncode == 0, run.comment
    for stack in STACKS:
        assert f"| `{stack}` | ✅ passed |" in run.comment
    assert len(run.comment) < GITHUB_LIMIT
