"""The properties the workflows promise: triggers, least privilege, pinned actions, the policy
pack, the stack matrix, prod behind a protected environment, serialized deployments, and a
fork job that never sees a secret."""

from __future__ import annotations

import fnmatch
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
    ("ci.yml", "runtime"): {"contents": "read"},
    ("preview.yml", "preview"): {"contents": "read", "id-token": "write"},
    ("preview.yml", "comment"): {"pull-requests": "write"},
    ("offline-plan.yml", "plan"): {"contents": "read"},
    ("offline-plan-comment.yml", "comment"): {"actions": "read", "pull-requests": "write"},
    ("deploy.yml", "ci"): {"contents": "read"},
    ("deploy.yml", "dev"): {"contents": "read", "id-token": "write"},
    ("deploy.yml", "staging"): {"contents": "read", "id-token": "write"},
    ("deploy.yml", "prod"): {"contents": "read", "id-token": "write"},
    ("drift.yml", "drift"): {"contents": "read", "id-token": "write"},
    ("drift.yml", "report"): {"issues": "write"},
    ("pulumi.yml", "pulumi"): {"contents": "read", "id-token": "write"},
}
# A called workflow can only narrow what its caller grants; the reusable one asks for this much.
TOP_LEVEL_PERMISSIONS = {"pulumi.yml": {"contents": "read"}}


def pulumi_job() -> dict[str, Any]:
    return load("pulumi.yml")["jobs"]["pulumi"]


def test_every_workflow_declares_minimal_top_level_permissions() -> None:
    for name, workflow in all_workflows().items():
        assert "permissions" in workflow, f"{name}: no top-level permissions (scanners read it as write-all)"
        assert workflow["permissions"] == TOP_LEVEL_PERMISSIONS.get(name, {}), name


def test_every_job_grants_only_the_permissions_its_steps_need() -> None:
    found = {
        (name, job_id): job.get("permissions")
        for name, workflow in all_workflows().items()
        for job_id, job in workflow["jobs"].items()
    }
    assert found == JOB_PERMISSIONS


def test_every_caller_grants_the_reusable_workflow_what_its_job_asks_for() -> None:
    wanted = pulumi_job()["permissions"].items()
    callers = [job for workflow in all_workflows().values() for job in workflow["jobs"].values()]
    callers = [job for job in callers if job.get("uses") == REUSABLE]
    assert len(callers) == 5
    for job in callers:
        assert wanted <= job["permissions"].items(), job


def test_the_reusable_pulumi_workflow_is_only_called() -> None:
    assert set(triggers(load("pulumi.yml"))) == {"workflow_call"}


def test_every_third_party_action_is_pinned_to_a_full_commit_sha_with_its_version() -> None:
    uses_lines = [
        (path.name, line)
        for path in sorted(WORKFLOWS.glob("*.yml"))
        for line in path.read_text().splitlines()
        if re.match(r"^\s*-?\s*uses:", line) and "./.github/workflows/" not in line
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


def test_preview_runs_on_same_repository_pull_requests_for_every_stack_into_one_comment() -> None:
    workflow = load("preview.yml")
    assert set(triggers(workflow)) == {"pull_request"}
    job = workflow["jobs"]["preview"]
    same_repository = "github.event.pull_request.head.repo.full_name == github.repository"
    assert job["if"] == same_repository
    assert job["strategy"]["matrix"]["stack"] == STACKS
    assert job["strategy"]["fail-fast"] is False
    assert job["uses"] == REUSABLE
    assert job["with"] == {"command": "preview", "stack": "${{ matrix.stack }}"}
    # One comment for the three previews, posted by the only job that may write to the PR.
    comment = workflow["jobs"]["comment"]
    assert comment["needs"] == "preview" and comment["if"] == f"always() && {same_repository}"
    download = step(comment, uses="actions/download-artifact")["with"]
    assert download["pattern"] == "pulumi-preview-*" and download["merge-multiple"] is True
    script = "\n".join(s.get("run", "") for s in steps(comment))
    assert "qmoi-cloud:pulumi-preview" in script and "PATCH" in script, "one comment, edited in place"
    assert not any(str(s.get("uses", "")).startswith("actions/checkout") for s in steps(comment))


def pulumi_actions_steps() -> list[dict[str, Any]]:
    return [s for s in steps(pulumi_job()) if str(s.get("uses", "")).startswith("pulumi/actions@")]


def test_the_pulumi_step_applies_the_policy_pack_with_the_stack_s_policy_config() -> None:
    (run,) = [s for s in pulumi_actions_steps() if "command" in s.get("with", {})]
    action = run["with"]
    assert action["policyPacks"] == "policy"
    assert action["policyPackConfigs"] == "policy/config/${{ inputs.stack }}.json"
    assert action["command"] == "${{ inputs.command }}"
    assert run["if"] == "inputs.command != 'drift'"
    assert "comment-on-pr" not in action, "the previews are merged into one comment by preview.yml"
    assert action["always-include-summary"] is True, "the resource summary survives a long output"
    assert action["diff"] is True


def test_the_pulumi_cli_is_pinned_to_the_sdk_release_of_requirements_txt() -> None:
    pins = dict(line.split("==", 1) for line in (ROOT / "requirements.txt").read_text().splitlines() if "==" in line)
    workflow = load("pulumi.yml")
    assert workflow["env"]["PULUMI_VERSION"] == pins["pulumi"]
    for action in pulumi_actions_steps():
        assert action["with"]["pulumi-version"] == "${{ env.PULUMI_VERSION }}"


def test_pulumi_cloud_is_reached_by_oidc_token_exchange_not_a_stored_token() -> None:
    job = pulumi_job()
    auth = step(job, uses="pulumi/auth-actions")
    assert auth["if"] == "vars.PULUMI_ORG != '' && vars.PULUMI_BACKEND_URL == ''"
    assert auth["with"]["requested-token-type"] == "urn:pulumi:token-type:access_token:organization"
    assert "PULUMI_ACCESS_TOKEN" not in job["env"]
    assert "PULUMI_ACCESS_TOKEN" not in (WORKFLOWS / "pulumi.yml").read_text()


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
        "PULUMI_CONFIG_PASSPHRASE",
        "CLOUDFLARE_API_TOKEN",
        "DIGITALOCEAN_TOKEN",
        "DIGITALOCEAN_ACCESS_TOKEN",
        "SPACES_ACCESS_KEY_ID",
        "SPACES_SECRET_ACCESS_KEY",
    }
    secret_of = {key: key for key in secrets_in_env} | {"DIGITALOCEAN_ACCESS_TOKEN": "DIGITALOCEAN_TOKEN"}
    for key in secrets_in_env:
        assert env[key] == f"${{{{ secrets.{secret_of[key]} }}}}"


def test_up_installs_a_pinned_doctl_that_reads_the_digitalocean_token_from_the_environment() -> None:
    job = pulumi_job()
    doctl = step(job, uses="digitalocean/action-doctl")
    assert doctl["if"] == "inputs.command == 'up' && env.DIGITALOCEAN_ACCESS_TOKEN != ''"
    assert doctl["with"] == {"version": "1.135.0", "no_auth": "true"}, "a pinned doctl; no token in a config file"
    # doctl reads DIGITALOCEAN_ACCESS_TOKEN (the provider reads DIGITALOCEAN_TOKEN): one secret, both names
    assert job["env"]["DIGITALOCEAN_ACCESS_TOKEN"] == "${{ secrets.DIGITALOCEAN_TOKEN }}"
    names = [s.get("name", "") for s in steps(job)]
    assert names.index(doctl["name"]) < names.index("pulumi ${{ inputs.command }}")


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


def test_deploy_goes_dev_then_staging_then_prod_on_push_to_main_after_ci_on_the_same_commit() -> None:
    workflow = load("deploy.yml")
    assert triggers(workflow)["push"]["branches"] == ["main"]
    jobs = workflow["jobs"]
    assert jobs["ci"]["uses"] == "./.github/workflows/ci.yml"
    assert "workflow_call" in triggers(load("ci.yml"))
    assert jobs["dev"]["if"] == "github.ref == 'refs/heads/main'"
    assert jobs["dev"]["needs"] == "ci"
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


def test_deploy_runs_only_when_a_push_changes_what_is_deployed() -> None:
    paths = triggers(load("deploy.yml"))["push"]["paths"]
    for doc in ("README.md", "docs/cost.md", "tests/test_docs.py"):
        assert not any(fnmatch.fnmatch(doc, p) for p in paths), f"{doc} must not deploy"
    # Everything the program, its stacks, dependencies and policy pack are made of deploys.
    program = ["__main__.py", "Pulumi.yaml", "Pulumi.prod.yaml", "requirements.txt", "policy/__main__.py"]
    program += [f"{package}/x.py" for package in ("infra", "components", "stacks", "functions")]
    program += [".github/workflows/pulumi.yml"]
    for path in program:
        assert any(fnmatch.fnmatch(path, p) for p in paths), f"{path} must deploy"
    imported = {
        line.split()[1].split(".")[0]
        for line in (ROOT / "__main__.py").read_text().splitlines()
        if line.startswith("from ")
    }
    assert {f"{package}/**" for package in imported} <= set(paths)


def test_drift_check_is_scheduled_for_every_stack_and_compares_state_with_the_clouds_only() -> None:
    workflow = load("drift.yml")
    schedule = triggers(workflow)["schedule"]
    assert len(schedule) == 1 and len(schedule[0]["cron"].split()) == 5
    job = workflow["jobs"]["drift"]
    assert job["strategy"]["matrix"]["stack"] == STACKS
    assert job["with"] == {"command": "drift", "stack": "${{ matrix.stack }}"}
    drift = step(pulumi_job(), step_id="drift")
    assert drift["if"] == "inputs.command == 'drift'"
    assert "pulumi refresh" in drift["run"] and "--preview-only --expect-no-changes" in drift["run"]
    assert "pulumi preview" not in (WORKFLOWS / "drift.yml").read_text()
    report = workflow["jobs"]["report"]
    assert report["needs"] == "drift" and report["if"] == "always()"
    script = "\n".join(s.get("run", "") for s in steps(report))
    assert "gh issue create" in script and "Drift detected: $stack" in script


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


def test_the_offline_plan_compares_each_stack_with_the_base_branch_run_by_its_own_dependencies() -> None:
    job = load("offline-plan.yml")["jobs"]["plan"]
    base = next(s for s in steps(job) if s.get("with", {}).get("path") == "base")
    assert base["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    installs = {s.get("working-directory"): s["run"] for s in steps(job) if "pip install" in s.get("run", "")}
    assert set(installs) == {"head", "base"}
    for script in installs.values():
        assert "python -m venv .venv" in script and ".venv/bin/pip install" in script
    env = step(job, step_id="plan")["env"]
    assert env["BASE_PYTHON"] == "${{ github.workspace }}/base/.venv/bin/python"
    plan = step(job, step_id="plan")
    assert plan["env"]["STACKS"].split() == STACKS
    assert '"$BASE_PYTHON" -m infra plan --stack "$stack" --format json' in plan["run"]
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
    assert set(triggers(workflow)) == {"push", "pull_request", "workflow_call"}
    commands = [s["run"] for s in steps(workflow["jobs"]["test"]) if "run" in s]
    assert "python -m pytest -q" in commands
    assert "ruff check ." in commands
    assert "python -m pytest -q" in (ROOT / "README.md").read_text()


def test_ci_proves_the_runtime_requirements_alone_run_the_offline_plan() -> None:
    (script,) = [s["run"] for s in steps(load("ci.yml")["jobs"]["runtime"]) if "run" in s]
    assert "-m venv" in script
    assert 'pip" install --disable-pip-version-check -r requirements.txt' in script
    assert "requirements-dev" not in script
    assert "-m infra plan --stack dev" in script


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
