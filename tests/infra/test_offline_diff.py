"""The offline diff on real plans: what the issue asks the pull-request report to show, and a plan JSON that
depends on the commit only, not on the machine or checkout that planned it."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.config import load_stack_file
from infra.plan.runner import plan_stack_file
from infra.report.compare import render_compare_markdown
from infra.report.diff import REPLACE, UPDATE, diff_documents
from infra.report.plan import plan_document, render_json
from tests.conftest import ROOT

BUCKET = "aws:s3/bucket:Bucket"


def aws_only(config: dict[str, Any]) -> None:
    for key, block in config.items():
        if isinstance(block, dict) and "enabled" in block and key != "qmoi-cloud:aws":
            block["enabled"] = False


def stack_file(path: Path, *changes: Any) -> Path:
    """The dev stack file with AWS only, and `changes` applied to its config."""
    document = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    for change in (aws_only, *changes):
        change(document["config"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def planned(path: Path) -> dict[str, Any]:
    return plan_document(plan_stack_file(load_stack_file("dev", path)))


@pytest.fixture(scope="module")
def base_document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return planned(stack_file(tmp_path_factory.mktemp("base") / "Pulumi.dev.yaml"))


def test_renaming_the_s3_base_name_replaces_every_bucket_and_says_why(base_document, tmp_path: Path) -> None:
    def rename(config: dict[str, Any]) -> None:
        config["qmoi-cloud:aws"]["s3_bucket"] = "acme-cloud-storage"

    head = planned(stack_file(tmp_path / "Pulumi.dev.yaml", rename))
    diff = diff_documents(base_document, head)
    buckets = [c for c in diff.changes if c.type == BUCKET]
    assert len(buckets) == sum(1 for r in base_document["resources"] if r["type"] == BUCKET) >= 4
    for bucket in buckets:
        assert bucket.kind == REPLACE, bucket.name
        assert [r.what for r in bucket.reasons] == ["bucket changes: forces a new resource"]
        assert bucket.reasons[0].source.endswith("/docs/resources/s3_bucket")
        (prop,) = bucket.properties
        assert prop.path == "bucket" and str(prop.after).startswith("acme-cloud-storage-dev-")
    # Not "0 to add, 0 to remove, N to change": the count says replace.
    assert diff.counts["replace"] >= len(buckets) and diff.counts["create"] == diff.counts["delete"] == 0
    comment = render_compare_markdown(diff)
    assert f"<code>+-</code> {diff.counts['replace']} to replace" in comment
    assert "bucket changes: forces a new resource" in comment and "inferred offline" in comment


def test_a_bucket_policy_change_shows_the_changed_statement(base_document) -> None:
    head = copy.deepcopy(base_document)
    policy_resource = next(r for r in head["resources"] if r["type"] == "aws:s3/bucketPolicy:BucketPolicy")
    policy = json.loads(policy_resource["props"]["policy"])
    index, statement = next(
        (i, s) for i, s in enumerate(policy["Statement"]) if s.get("Sid") == "DenyInsecureTransport"
    )
    statement["Effect"] = "Allow"
    policy_resource["props"]["policy"] = json.dumps(policy)
    (change,) = diff_documents(base_document, head).changes
    assert (change.name, change.kind) == (policy_resource["name"], UPDATE)
    (prop,) = change.properties
    assert (prop.path, prop.before, prop.after) == (f"policy.Statement[{index}].Effect", "Deny", "Allow")
    assert (prop.document, prop.label) == ("policy", 'Sid "DenyInsecureTransport"')
    comment = render_compare_markdown(diff_documents(base_document, head))
    assert f'`policy (JSON) Statement[{index}].Effect [Sid "DenyInsecureTransport"]`: `Deny` → `Allow`' in comment
    assert '{"Version"' not in comment  # the documents themselves are not shown


# The plan JSON as `python -m infra plan --format json` renders it (less the policy block, which holds no path).
PLAN_JSON = """
import sys
from pathlib import Path
from infra.config import load_stack_file
from infra.plan.runner import plan_stack_file
from infra.report.plan import render_json
sys.stdout.write(render_json(plan_stack_file(load_stack_file("dev", Path(sys.argv[1])))))
"""


def _plan_json(tree: Path, stack_path: Path) -> bytes:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run(  # noqa: S603 (this interpreter, on a copy of this repository)
        [sys.executable, "-c", PLAN_JSON, str(stack_path)],
        cwd=tree,
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr.decode()
    return out.stdout


def test_the_same_commit_planned_in_two_checkouts_gives_byte_identical_json(tmp_path: Path) -> None:
    copy_root = tmp_path / "elsewhere" / "qmoi-cloud"
    shutil.copytree(
        ROOT,
        copy_root,
        ignore=shutil.ignore_patterns(".git", "tests", "docs", "__pycache__", ".*_cache", ".venv", ".hypothesis"),
    )
    # Caches next to a function's code are not its code.
    stray = copy_root / "functions" / "ai_inference" / "__pycache__"
    stray.mkdir()
    (stray / "handler.cpython-311.pyc").write_bytes(b"not source")
    stack = stack_file(tmp_path / "stack" / "Pulumi.dev.yaml")
    here, there = render_json(plan_stack_file(load_stack_file("dev", stack))).encode(), _plan_json(copy_root, stack)
    assert here == there
    document = json.loads(here)
    assert document["schemaVersion"] == 2
    assert str(ROOT) not in here.decode() and str(tmp_path) not in there.decode()
    code = next(r["props"]["code"] for r in document["resources"] if r["type"] == "aws:lambda/function:Function")
    assert code["archive"].startswith("functions/") and len(code["sha256"]) == 64
