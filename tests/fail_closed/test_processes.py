"""Processes and faults: signals clean up, the pack never outlives its parent, faults are named, misuse is usage.

Subprocess tests run `python -m infra` as a user would (to see tracebacks and leftover
processes); the rest run the CLI in this process.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from infra.check import PolicyPackError, PolicyPackServer, evaluate_records
from infra.cli import EXIT_CODES, main
from tests.conftest import ROOT
from tests.fail_closed.conftest import alive, only, pack_children, shipped, write
from tests.policy.conftest import record

# --- helpers -----------------------------------------------------------------------------------


def wait_for(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture(scope="module")
def small_stack(tmp_path_factory) -> str:
    """An AWS-only dev stack file: a valid stack that plans in a couple of seconds."""
    return str(write(tmp_path_factory.mktemp("small"), only(shipped("dev"), "aws")))


def start_cli(*args: str, **kwargs) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 (our interpreter, our CLI)
        [sys.executable, "-m", "infra", *args],
        cwd=ROOT,
        stdout=kwargs.pop("stdout", subprocess.PIPE),
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


# --- signals ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_sigterm_and_ctrl_c_stop_the_pack_and_exit_without_a_traceback(small_stack, signum, code):
    proc = start_cli("check", "--stack", "dev", "--stack-file", small_stack)
    try:
        assert wait_for(lambda: pack_children(proc.pid)), "the policy pack never started"
        [pack] = pack_children(proc.pid)
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == code, err
    assert "Traceback" not in err and "the policy pack was stopped" in err
    assert wait_for(lambda: not alive(pack), timeout=10), "the policy pack outlived the CLI"


KILLED_PARENT = """
import sys
from infra.check import PolicyPackServer
server = PolicyPackServer("test").start()
print(server.process.pid, flush=True)
sys.stdin.readline()
"""


def test_the_pack_exits_by_itself_when_its_parent_is_killed():
    parent = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", KILLED_PARENT], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None
        pack = int(parent.stdout.readline())
        assert alive(pack)
        parent.kill()  # SIGKILL: no cleanup runs in the parent
        parent.wait(timeout=10)
        assert wait_for(lambda: not alive(pack), timeout=10), "the orphaned policy pack kept running"
    finally:
        parent.kill()


# --- pack faults -----------------------------------------------------------------------------------


def fake_pack(tmp_path: Path, main_py: str) -> Path:
    pack_dir = tmp_path / "pack"
    pack_dir.mkdir()
    (pack_dir / "PulumiPolicy.yaml").write_text("runtime: python\n")
    (pack_dir / "__main__.py").write_text(main_py)
    return pack_dir


def test_a_pack_that_fails_to_start_shows_its_own_error(tmp_path):
    pack_dir = fake_pack(tmp_path, "raise ImportError('no module named qmoi_rules_boom')\n")
    with pytest.raises(PolicyPackError) as caught:
        PolicyPackServer("test", pack_dir=pack_dir).start()
    message = str(caught.value)
    assert "exited with code 1" in message and "qmoi_rules_boom" in message


def test_a_slow_pack_start_honours_the_configured_timeout(tmp_path):
    pack_dir = fake_pack(tmp_path, "import time\ntime.sleep(60)\n")
    started = time.monotonic()
    with pytest.raises(PolicyPackError, match=r"did not start within 1 s"):
        PolicyPackServer("test", pack_dir=pack_dir, start_timeout=1).start()
    assert time.monotonic() - started < 10


RAISING_PACK = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from pulumi_policy import EnforcementLevel, PolicyPack, Severity
from policy.rules.base import StackRule

def broken(stack, config):
    raise KeyError("bucket")
    yield

rule = StackRule(name="broken-rule", area="test", description="raises", severity=Severity.LOW,
                 types=(), any_type=True, check=broken, cannot_see="-", remediation="-")
PolicyPack(name="broken-pack", enforcement_level=EnforcementLevel.MANDATORY, policies=[rule.policy()])
"""


def test_a_rule_that_raises_is_named_with_its_error(tmp_path):
    with (
        PolicyPackServer("test", pack_dir=fake_pack(tmp_path, RAISING_PACK)) as server,
        pytest.raises(PolicyPackError) as caught,
    ):
        evaluate_records(server, "test", [record("aws:s3/bucket:Bucket", "b", {})])
    assert "policy 'broken-rule' raised KeyError: 'bucket'" in str(caught.value)


def test_the_cli_exits_4_naming_the_rule_that_raised(tmp_path, capsys, monkeypatch, small_stack):
    from infra.check import pack

    monkeypatch.setattr(pack, "POLICY_DIR", fake_pack(tmp_path, RAISING_PACK))
    code = main(["check", "--stack", "dev", "--stack-file", small_stack])
    err = capsys.readouterr().err
    assert code == 4
    assert "policy pack error" in err and "broken-rule" in err and "Traceback" not in err


# --- output ----------------------------------------------------------------------------------------


def test_a_reader_that_goes_away_ends_the_command_quietly():
    # `plan ... | head -1`: every command writes its report through the same `emit`
    proc = start_cli("policies", "--format", "markdown")
    assert proc.stdout is not None
    proc.stdout.close()  # like `| head -1` exiting before the report is written
    err = proc.stderr.read() if proc.stderr else ""
    proc.wait(timeout=120)
    assert proc.returncode == 141, err
    assert "Traceback" not in err and "BrokenPipeError" not in err


def test_a_closed_stdout_is_an_error_not_a_silent_success(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdout", None)
    code = main(["policies"])
    assert code == 74
    assert "stdout is closed" in capsys.readouterr().err


def test_write_config_on_a_read_only_tree_fails_cleanly(capsys, monkeypatch, tmp_path):
    import importlib

    pack_config = importlib.import_module("infra.check.pack_config")
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setattr(pack_config, "CONFIG_DIR", blocker / "config")
    code = main(["policies", "--write-config"])
    err = capsys.readouterr().err
    assert code == 74 and "cannot write" in err and "Traceback" not in err


# --- misuse ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--stack", "dev", "--unknown-flag"],
        ["plan", "--stack", "dev", "--format", "yaml"],
        ["deploy", "--stack", "dev"],
        ["plan"],
        ["cost"],
        ["check", "--stack", "dev", "--pack-start-timeout", "-5"],
    ],
)
def test_usage_errors_have_their_own_exit_code(capsys, args):
    assert main(args) == 64
    err = capsys.readouterr().err
    assert err.strip() and "Traceback" not in err


def test_an_invalid_start_timeout_in_the_environment_is_a_usage_error(capsys, monkeypatch):
    monkeypatch.setenv("QMOI_PACK_START_TIMEOUT_S", "soon")
    assert main(["check", "--stack", "dev"]) == 64
    assert "QMOI_PACK_START_TIMEOUT_S" in capsys.readouterr().err


def test_help_exits_zero(capsys):
    assert main(["--help"]) == 0
    assert "plan" in capsys.readouterr().out


def compare_file(tmp_path: Path, content: str) -> str:
    path = tmp_path / "base.json"
    path.write_text(content)
    return str(path)


def plan_json(stack: str = "dev", project: str = "qmoi-cloud") -> str:
    return json.dumps({"project": project, "stack": stack, "resources": [], "cost": {}})


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "cannot read it"),
        ('{"project": "qmoi-cloud", "stack": "dev", "resour', "not JSON"),
        ("[1, 2, 3]", "not a plan"),
        ("{}", "not a plan"),
        (plan_json(stack="prod"), "a plan of stack 'prod'"),
        (plan_json(project="other"), "a plan of project 'other'"),
    ],
)
def test_a_bad_compare_file_is_refused_before_planning(cli, tmp_path, content, says):
    path = str(tmp_path / "missing.json") if content is None else compare_file(tmp_path, content)
    result = cli("plan", "--stack", "dev", "--compare", path)
    assert result.code == 64, result.err
    assert says in result.err and "--compare" in result.err and "Traceback" not in result.err


def test_another_stacks_plan_is_compared_when_asked(tmp_path):
    from infra.cli import read_base_plan

    assert read_base_plan(Path(compare_file(tmp_path, plan_json("prod"))), "dev", allow_foreign=True)["stack"] == "prod"


def test_the_readme_documents_every_exit_code():
    readme = (ROOT / "README.md").read_text()
    rows = {
        int(cells[1].strip(" `")): cells[2].strip()
        for line in readme.splitlines()
        if line.startswith("| `") and (cells := line.split("|")) and cells[1].strip(" `").isdigit()
    }
    assert rows == EXIT_CODES


def test_a_pack_that_cannot_be_spawned_is_a_pack_error(tmp_path):
    with pytest.raises(PolicyPackError, match="could not be started"):
        PolicyPackServer("test", pack_dir=tmp_path / "no-such-pack").spawn()
