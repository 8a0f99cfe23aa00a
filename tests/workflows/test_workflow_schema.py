"""Every workflow file and the Dependabot config validate against the schemas check-jsonschema vendors (offline)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from tests.workflows.workflow_files import ROOT, WORKFLOWS


def check(schema: str, *paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (fixed argv, no shell)
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_every_workflow_file_is_valid_against_the_github_workflow_schema() -> None:
    files = sorted(WORKFLOWS.glob("*.yml")) + sorted(WORKFLOWS.glob("*.yaml"))
    assert {f.name for f in files} >= {
        "preview.yml",
        "offline-plan.yml",
        "offline-plan-comment.yml",
        "deploy.yml",
        "drift.yml",
        "ci.yml",
        "pulumi.yml",
    }
    result = check("vendor.github-workflows", *files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_workflow_with_an_unknown_job_key(tmp_path: Path) -> None:
    broken = yaml.safe_load((WORKFLOWS / "ci.yml").read_text())
    broken["jobs"]["test"]["run-on"] = broken["jobs"]["test"].pop("runs-on")
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(broken))
    result = check("vendor.github-workflows", path)
    assert result.returncode == 1, "the schema check must fail on an invalid workflow"


def test_dependabot_config_is_valid_and_updates_both_requirement_files_and_the_actions() -> None:
    path = ROOT / ".github" / "dependabot.yml"
    result = check("vendor.dependabot", path)
    assert result.returncode == 0, result.stdout + result.stderr
    updates = {(u["package-ecosystem"], u["directory"]) for u in yaml.safe_load(path.read_text())["updates"]}
    assert updates == {("pip", "/"), ("pip", "/policy"), ("github-actions", "/")}
