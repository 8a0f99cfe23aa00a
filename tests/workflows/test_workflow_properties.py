"""The properties the workflows promise: triggers, least privilege, pinned actions, the policy
pack, the stack matrix, prod behind a protected environment, serialized deployments, and a
fork job that never sees a secret."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from tests.workflows.workflow_files import (
    EXPRESSION,
    REUSABLE,
    ROOT,
    STACKS,
    WORKFLOWS,
    all_workflows,
    load,
    step,
    steps,
    triggers,
    walk_strings,
)

FULL_SHA_PIN = re.compile(r"^\s*-?\s*uses:\s*[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*\s*$")

# What each job may do with the GITHUB_TOKEN, and nothing more.
JOB_PERMISSIONS: dict[tuple[str, str], dict[str, str]] = {
    ("ci.yml", "test"): {"contents": "read"},
    ("preview.yml", "preview"): {"contents": "read", "id-token": "write", "pull-requests": "write"},
    ("offline-plan.yml", "plan"): {"contents": "read"},
    ("offline-plan-comment.yml", "comment"): {"actions": "read", "pull-requests": "write"},
    ("deploy.yml", "dev"): {"contents": "read", "id-token": "write"},
    ("deploy.yml", "staging"): {"contents": "read", "id-token": "write"},
    ("deploy.yml", "prod"): {"contents": "read", "id-token": "write"},
    ("drift.yml", "drift"): {"contents": "read", "id-token": "write", "issues": "write"},
}


def pulumi_job() -> dict[str, Any]:
    return load("pulumi.yml")["jobs"]["pulumi"]


def test_every_workflow_grants_nothing_at_the_top_level() -> None:
    for name, workflow in all_workflows().items():
        if name == "pulumi.yml":
            continue  # a called workflow can only narrow its caller's grant; see the next test
        assert workflow.get("permissions") == {}, f"{name}: top-level permissions must be {{}}"


def test_every_job_grants_only_the_permissions_its_steps_need() -> None:
    found = {
        (name, job_id): job.get("permissions")
        for name, workflow in all_workflows().items()
        if name != "pulumi.yml"
        for job_id, job in workflow["jobs"].items()
    }
    assert found == JOB_PERMISSIONS


def test_the_reusable_pulumi_workflow_declares_no_permissions_so_each_caller_decides() -> None:
    workflow = load("pulumi.yml")
    assert set(triggers(workflow)) == {"workflow_call"}
    assert "permissions" not in workflow and "permissions" not in pulumi_job()


def test_every_third_party_action_is_pinned_to_a_full_commit_sha_with_its_version() -> None:
    uses_lines = [
        (path.name, line)
        for path in sorted(WORKFLOWS.glob("*.yml"))
        for line in path.read_text().splitlines()
        if re.match(r"^\s*-?\s*uses:", line) and REUSABLE not in line
    ]
    assert len(uses_lines) >= 10
    unpinned = [f"{name}: {line.strip()}" for name, line in uses_lines if not FULL_SHA_PIN.match(line)]
    assert unpinned == []


def test_no_run_script_interpolates_an_expression_so_untrusted_text_cannot_become_shell() -> None:
    offenders = [
        f"{name}:{job_id}:{s.get('name', s.get('id'))}"
        for name, workflow in all_workflows().items()
        for job_id, job in workflow["jobs"].items()
        for s in steps(job)
        if "run" in s and EXPRESSION.search(s["run"])
    ]
    assert offenders == []


def test_no_workflow_runs_on_pull_request_target() -> None:
    for name, workflow in all_workflows().items():
        assert "pull_request_target" not in triggers(workflow), name


def test_preview_runs_on_same_repository_pull_requests_for_every_stack_with_comments() -> None:
    workflow = load("preview.yml")
    assert set(triggers(workflow)) == {"pull_request"}
    job = workflow["jobs"]["preview"]
    assert job["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    assert job["strategy"]["matrix"]["stack"] == STACKS
    assert job["strategy"]["fail-fast"] is False
    assert job["uses"] == REUSABLE
    assert job["with"] == {"command": "preview", "stack": "${{ matrix.stack }}", "comment-on-pr": True}


def test_the_pulumi_step_applies_the_policy_pack_with_the_stack_s_policy_config() -> None:
    action = step(pulumi_job(), uses="pulumi/actions")["with"]
    assert action["policyPacks"] == "policy"
    assert action["policyPackConfigs"] == "policy/config/${{ inputs.stack }}.json"
    assert action["command"] == "${{ inputs.command }}"
    assert action["comment-on-pr"] == "${{ inputs.comment-on-pr }}"
    assert action["edit-pr-comment"] is True
    assert action["expect-no-changes"] == "${{ inputs.expect-no-changes }}"


def test_cloud_credentials_come_from_oidc_and_only_provider_tokens_from_secrets() -> None:
    job = pulumi_job()
    aws = step(job, uses="aws-actions/configure-aws-credentials")
    gcp = step(job, uses="google-github-actions/auth")
    azure = step(job, uses="azure/login")
    assert set(aws["with"]) == {"role-to-assume", "role-session-name", "aws-region"}
    assert set(gcp["with"]) == {"workload_identity_provider", "service_account"}
    assert set(azure["with"]) == {"client-id", "tenant-id", "subscription-id"}
    for login in (aws, gcp, azure):
        assert not any("secrets." in value for value in walk_strings(login)), "no long-lived cloud keys"
        assert login["if"].startswith("vars.") and login["if"].endswith("!= ''"), "skipped for unused providers"
    env = job["env"]
    assert env["ARM_USE_OIDC"] == "true"
    secrets_in_env = {key for key, value in env.items() if "secrets." in value}
    assert secrets_in_env == {
        "PULUMI_ACCESS_TOKEN",
        "PULUMI_CONFIG_PASSPHRASE",
        "CLOUDFLARE_API_TOKEN",
        "DIGITALOCEAN_TOKEN",
        "SPACES_ACCESS_KEY_ID",
        "SPACES_SECRET_ACCESS_KEY",
    }
    for key in secrets_in_env:
        assert env[key] == f"${{{{ secrets.{key} }}}}"


def test_every_job_that_runs_pulumi_may_request_an_oidc_token() -> None:
    callers = [
        (name, job_id, job)
        for name, workflow in all_workflows().items()
        for job_id, job in workflow["jobs"].items()
        if job.get("uses") == REUSABLE
    ]
    assert {(name, job_id) for name, job_id, _ in callers} == {
        ("preview.yml", "preview"),
        ("deploy.yml", "dev"),
        ("deploy.yml", "staging"),
        ("deploy.yml", "prod"),
        ("drift.yml", "drift"),
    }
    for name, job_id, job in callers:
        assert job["permissions"]["id-token"] == "write", f"{name}:{job_id}"
        assert job["secrets"] == "inherit"


def test_deploy_goes_dev_then_staging_then_prod_on_push_to_main() -> None:
    workflow = load("deploy.yml")
    assert triggers(workflow)["push"] == {"branches": ["main"]}
    jobs = workflow["jobs"]
    assert jobs["dev"]["if"] == "github.ref == 'refs/heads/main'"
    assert "needs" not in jobs["dev"]
    assert jobs["staging"]["needs"] == "dev"
    assert jobs["prod"]["needs"] == "staging"
    for stack in STACKS:
        assert jobs[stack]["uses"] == REUSABLE
        assert jobs[stack]["with"]["command"] == "up"
        assert jobs[stack]["with"]["stack"] == stack


def test_prod_deploys_only_through_the_protected_production_environment() -> None:
    jobs = load("deploy.yml")["jobs"]
    assert jobs["prod"]["with"]["environment"] == "production"
    assert {jobs[s]["with"]["environment"] for s in ("dev", "staging")} == {"dev", "staging"}
    # The called job really runs in the environment its caller names (required reviewers apply).
    assert pulumi_job()["environment"] == "${{ inputs.environment }}"
    docs = (ROOT / "docs" / "deploying.md").read_text()
    assert "required reviewers" in docs.lower()


def test_two_deployments_of_one_stack_never_overlap() -> None:
    jobs = load("deploy.yml")["jobs"]
    for stack in STACKS:
        assert jobs[stack]["concurrency"] == {"group": f"deploy-{stack}", "cancel-in-progress": False}
    drift = load("drift.yml")["jobs"]["drift"]
    assert drift["concurrency"]["group"] == "drift-${{ matrix.stack }}", "drift must not share (and cancel) a deploy"


def test_drift_check_is_scheduled_for_every_stack_and_fails_on_any_change() -> None:
    workflow = load("drift.yml")
    schedule = triggers(workflow)["schedule"]
    assert len(schedule) == 1 and len(schedule[0]["cron"].split()) == 5
    job = workflow["jobs"]["drift"]
    assert job["strategy"]["matrix"]["stack"] == STACKS
    assert job["with"] == {
        "command": "preview",
        "stack": "${{ matrix.stack }}",
        "refresh": True,
        "expect-no-changes": True,
        "drift-issue": True,
    }
    issue_step = next(s for s in steps(pulumi_job()) if "gh issue create" in s.get("run", ""))
    assert "inputs.drift-issue" in issue_step["if"] and "failure()" in issue_step["if"]


def test_the_offline_plan_runs_on_every_pull_request_without_secrets_or_write_access() -> None:
    text = (WORKFLOWS / "offline-plan.yml").read_text()
    workflow = load("offline-plan.yml")
    assert set(triggers(workflow)) == {"pull_request"}
    assert "if" not in workflow["jobs"]["plan"], "forks included"
    assert not any("secrets." in s for s in walk_strings(workflow))
    assert "secrets." not in text
    assert workflow["jobs"]["plan"]["permissions"] == {"contents": "read"}
    for checkout in (
        s for s in steps(workflow["jobs"]["plan"]) if str(s.get("uses", "")).startswith("actions/checkout")
    ):
        assert checkout["with"]["persist-credentials"] is False


def test_the_offline_plan_compares_each_stack_with_the_base_branch() -> None:
    job = load("offline-plan.yml")["jobs"]["plan"]
    base = next(s for s in steps(job) if s.get("with", {}).get("path") == "base")
    assert base["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    plan = step(job, step_id="plan")
    assert plan["env"]["STACKS"].split() == STACKS
    assert 'python -m infra plan --stack "$stack" --format json' in plan["run"]
    assert "--compare" in plan["run"] and "--format markdown" in plan["run"]
    upload = step(job, uses="actions/upload-artifact")
    assert upload["if"] == "always()", "the comment is posted even when the check fails"


def test_the_comment_workflow_posts_without_ever_checking_out_or_running_pull_request_code() -> None:
    workflow = load("offline-plan-comment.yml")
    run = triggers(workflow)["workflow_run"]
    assert run == {"workflows": [load("offline-plan.yml")["name"]], "types": ["completed"]}
    job = workflow["jobs"]["comment"]
    assert not any(str(s.get("uses", "")).startswith("actions/checkout") for s in steps(job))
    assert "github.event.workflow_run.event == 'pull_request'" in job["if"]
    script = "\n".join(s.get("run", "") for s in steps(job))
    assert "python" not in script and "pip " not in script
    assert "qmoi-cloud:offline-plan" in script, "finds its own comment by the hidden marker"
    assert "PATCH" in script, "edits the comment in place"
    assert '[[ "$pr" =~ ^[0-9]+$ ]]' in script, "the artifact's PR number is untrusted"
    assert '"$pr_head" != "$HEAD_SHA"' in script, "only the PR whose head was planned"


def test_ci_runs_the_readme_test_command_and_ruff() -> None:
    workflow = load("ci.yml")
    assert set(triggers(workflow)) == {"push", "pull_request"}
    commands = [s["run"] for s in steps(workflow["jobs"]["test"]) if "run" in s]
    assert "python -m pytest -q" in commands
    assert "ruff check ." in commands
    assert "python -m pytest -q" in (ROOT / "README.md").read_text()


@pytest.mark.parametrize(
    "hook",
    [
        "ruff-check",
        "ruff-format",
        "check-yaml",
        "end-of-file-fixer",
        "trailing-whitespace",
        "detect-private-key",
        "gitleaks",
    ],
)
def test_pre_commit_runs_the_hook(hook: str) -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {h["id"]: (repo["repo"], repo["rev"]) for repo in config["repos"] for h in repo["hooks"]}
    assert hook in hooks
    assert hooks[hook][1], "every hook repo has a pinned rev"
