"""`python -m infra`: the offline plan, policy check and cost of a stack, without a cloud account.

Every command lives here, and so do the exit codes (`EXIT_CODES`, the README's table).
The configuration is read and validated before anything expensive starts: no provider SDK
is imported and no policy pack is spawned for a stack file that is not known good.

Every command that reports takes `--format json` (plan, check, cost, policies). stdout carries
the report and nothing else; diagnostics (why a command failed, progress on a terminal) go to
stderr, so `python -m infra plan --format json > plan.json` is always a clean document, and a
command that fails before its report writes nothing to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

from infra.config import ROOT, SHIPPED_STACKS, ConfigError, load_stack_file

if TYPE_CHECKING:
    from infra.config import StackFile

EXIT_OK = 0
EXIT_POLICY = 1
EXIT_CONFIG = 2
EXIT_COST = 3
EXIT_PACK = 4
EXIT_USAGE = 64  # sysexits.h EX_USAGE
EXIT_OUTPUT = 74  # sysexits.h EX_IOERR
EXIT_INTERRUPTED = 128 + signal.SIGINT
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE
EXIT_TERMINATED = 128 + signal.SIGTERM

# The README's exit-code table (a test keeps the two equal).
EXIT_CODES: dict[int, str] = {
    EXIT_OK: "ok: the plan passed the policy pack and was priced",
    EXIT_POLICY: "a mandatory policy is violated (including a budget rule that could not be evaluated)",
    EXIT_CONFIG: "the configuration is invalid: every problem is listed with its key path, no traceback",
    EXIT_COST: "the cost model cannot price the stack (`plan` still prints its report, `cost` prints why)",
    EXIT_PACK: "the policy pack failed: it did not start (its own error is shown) or a rule raised (named)",
    EXIT_USAGE: "usage error: an unknown command, flag or value, or a `--compare` file that is not this stack's plan",
    EXIT_OUTPUT: "the report could not be written (stdout closed, disk full, a read-only tree for `--write-config`)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C); the policy pack was stopped",
    EXIT_BROKEN_PIPE: "the reader of stdout went away (e.g. piped into `head`); nothing more is printed",
    EXIT_TERMINATED: "terminated (SIGTERM, e.g. a cancelled CI job or `timeout`); the policy pack was stopped",
}
FORMATS = ["text", "json", "markdown"]
START_TIMEOUT_ENV = "QMOI_PACK_START_TIMEOUT_S"


def version_text() -> str:
    """`python -m infra --version`: the project, the plan JSON schema, the policy pack and the SDKs it runs on."""
    import platform
    import tomllib
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    import yaml

    from infra.plan.records import PLAN_SCHEMA_VERSION

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pack = yaml.safe_load((ROOT / "policy" / "PulumiPolicy.yaml").read_text(encoding="utf-8"))
    sdks = []
    for package in ("pulumi", "pulumi-policy"):
        try:
            sdks.append(f"{package} {installed(package)}")
        except PackageNotFoundError:
            sdks.append(f"{package} not installed")
    return (
        f"{project['name']} {project['version']} (plan JSON schema {PLAN_SCHEMA_VERSION}; policy pack "
        f"{pack.get('version', '?')}; {', '.join(sdks)}; Python {platform.python_version()})"
    )


class _Version(argparse.Action):
    def __call__(self, parser: argparse.ArgumentParser, *_: object, **__: object) -> NoReturn:
        emit(version_text())
        parser.exit(EXIT_OK)


class UsageError(Exception):
    """A command line that cannot be run as given (exit 64)."""


class OutputError(Exception):
    """The report could not be written (exit 74)."""


class Terminated(BaseException):  # like KeyboardInterrupt: a signal, not an error
    """SIGTERM, raised in the main thread so that every `finally` stops the policy pack."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}\n{self.format_usage().strip()}")


def _chars(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of characters") from None
    if not 2_000 <= value <= 1_000_000:
        raise argparse.ArgumentTypeError(f"{text!r} must be between 2000 and 1000000 characters")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0 and at most 3600 seconds")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m infra", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action=_Version, nargs=0, help="print the version and exit")
    commands = parser.add_subparsers(dest="command", required=True)
    plan = commands.add_parser("plan", help="run the program on the mock runtime and report what it declares")
    plan.add_argument("--stack", required=True, help="dev, staging or prod (reads Pulumi.<stack>.yaml)")
    plan.add_argument("--stack-file", type=Path, help="plan this stack file instead of Pulumi.<stack>.yaml")
    plan.add_argument("--format", choices=FORMATS, default="text")
    plan.add_argument(
        "--compare", type=Path, metavar="BASE.json", help="compare with a saved `plan --format json` (a PR report)"
    )
    plan.add_argument(
        "--allow-foreign-base",
        action="store_true",
        help="let --compare read another stack's (or project's) plan; refused by default",
    )
    plan.add_argument(
        "--max-chars",
        type=_chars,
        metavar="N",
        help="with --compare --format markdown: the most characters the comment may have (default 65536, "
        "GitHub's limit); lists shrink first, the headline and summary are never cut",
    )
    cost = commands.add_parser("cost", help="the monthly cost: per provider, component, resource; levers; budget")
    cost.add_argument("--stack", help="dev, staging or prod (reads Pulumi.<stack>.yaml)")
    cost.add_argument("--stack-file", type=Path, help="price this stack file instead of Pulumi.<stack>.yaml")
    cost.add_argument("--all-stacks", action="store_true", help="dev, staging and prod: one table")
    cost.add_argument("--format", choices=FORMATS, default="text")
    check = commands.add_parser("check", help="only the policy pack's verdicts on the stack (exit 1 on mandatory)")
    check.add_argument("--stack", help="dev, staging or prod (reads Pulumi.<stack>.yaml)")
    check.add_argument(
        "--all-stacks", action="store_true", help="every stack file in one process, and conflicts between them"
    )
    check.add_argument("--stack-file", type=Path, help="check this stack file instead of Pulumi.<stack>.yaml")
    check.add_argument("--format", choices=FORMATS, default="text")
    for command in (plan, check):
        command.add_argument(
            "--pack-start-timeout",
            type=_seconds,
            metavar="SECONDS",
            help=f"how long the policy pack may take to start (default: ${START_TIMEOUT_ENV}, else 30)",
        )
    policies = commands.add_parser("policies", help="the policy pack's rules; write policy/config/<stack>.json")
    policies.add_argument("--format", choices=FORMATS, default="text")
    policies.add_argument(
        "--write-config",
        action="store_true",
        help="regenerate the pack's generated files: policy/config/<stack>.json and policy/vendor/",
    )
    docs = commands.add_parser("docs", help="rewrite the generated sections of README.md and docs/")
    docs.add_argument("--check", action="store_true", help="only report stale sections (exit 1 if any)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns its exit code (`EXIT_CODES`), never a traceback for bad input or signals."""
    try:
        args = _parser().parse_args(argv)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    with _signals_raise():
        try:
            return _run(args)
        except UsageError as exc:
            print(f"python -m infra {args.command}: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except KeyboardInterrupt:
            print("python -m infra: interrupted; the policy pack was stopped", file=sys.stderr)
            return EXIT_INTERRUPTED
        except Terminated:
            print("python -m infra: terminated; the policy pack was stopped", file=sys.stderr)
            return EXIT_TERMINATED
        except BrokenPipeError:
            _silence_stdout()
            return EXIT_BROKEN_PIPE
        except OutputError as exc:
            print(f"python -m infra {args.command}: cannot write the report: {exc}", file=sys.stderr)
            return EXIT_OUTPUT


def _run(args: argparse.Namespace) -> int:
    if args.command == "cost":
        return cost_command(args.stack, args.stack_file, args.all_stacks, args.format)
    if args.command == "policies":
        return policies_command(args.format, args.write_config)
    if args.command == "check" and args.all_stacks:
        return all_stacks_command(args.format)
    if args.command == "check" and not args.stack:
        raise UsageError("give --stack <name> or --all-stacks")
    if args.command == "docs":
        from infra.report.docs import main as docs_main

        return docs_main(["--check"] if args.check else [])
    return plan_command(
        args.command,
        args.stack,
        args.stack_file,
        getattr(args, "format", "text"),
        getattr(args, "compare", None),
        allow_foreign_base=getattr(args, "allow_foreign_base", False),
        start_timeout=args.pack_start_timeout or _env_start_timeout(),
        max_chars=getattr(args, "max_chars", None),
    )


@contextmanager
def _signals_raise() -> Iterator[None]:
    """SIGTERM raises `Terminated` and SIGINT `KeyboardInterrupt` (also when inherited as ignored)."""

    def on_sigterm(_signum: int, _frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not interrupt the cleanup
        raise Terminated

    try:
        previous = {
            signal.SIGTERM: signal.signal(signal.SIGTERM, on_sigterm),
            signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
        }
    except ValueError:  # not the main thread: signals are the main thread's business
        previous = {}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the interpreter's final flush stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, AttributeError, ValueError):
        pass


def emit(text: str) -> None:
    """Write the report to stdout; a closed or failing stdout is an error, never a silent exit 0."""
    stream = sys.stdout
    if stream is None:
        raise OutputError("stdout is closed")
    try:
        stream.write(text if text.endswith("\n") else text + "\n")
        stream.flush()
    except BrokenPipeError:
        raise
    except (OSError, ValueError) as exc:
        raise OutputError(str(exc) or type(exc).__name__) from None


def _env_start_timeout() -> float | None:
    text = os.environ.get(START_TIMEOUT_ENV)
    if not text:
        return None
    try:
        return _seconds(text)
    except argparse.ArgumentTypeError as exc:
        raise UsageError(f"{START_TIMEOUT_ENV}: {exc}") from None


def _failed(stack: str, message: object, code: int) -> int:
    """Report why a stack failed (one message on stderr, no traceback) and return its exit code."""
    print(f"{stack}: {message}", file=sys.stderr)
    return code


def plan_command(
    command: str,
    stack: str,
    path: Path | None,
    fmt: str,
    compare_with: Path | None,
    *,
    allow_foreign_base: bool = False,
    start_timeout: float | None = None,
    max_chars: int | None = None,
) -> int:
    """`plan` (the report, or a comparison with a saved plan) and `check` (the policy verdicts only)."""
    try:
        stack_file = load_stack_file(stack, path)
        config = stack_file.validated()
    except ConfigError as exc:
        return _failed(stack, exc, EXIT_CONFIG)
    base = read_base_plan(compare_with, stack, allow_foreign_base) if compare_with is not None else None
    # Only a known-good configuration gets this far: the SDKs, the mock runtime and the pack.
    from infra.check import PolicyPackError, PolicyPackServer, evaluate
    from infra.plan.runner import ProgramError, plan_stack_file
    from infra.report.progress import Progress

    progress = Progress(f"{command} {stack}")
    try:  # the status line is erased however the command ends (a report, an error, a signal)
        progress.phase("importing the provider SDKs and declaring resources")
        # The pack boots in its own process (on the other core) while this one plans.
        pack = PolicyPackServer(stack, stack_file.config, stack_file.secret_keys, start_timeout=start_timeout).spawn()
        try:
            plan = plan_stack_file(stack_file, config=config, on_record=progress.record)
            progress.phase(f"policy pack: checking {plan.resource_count} resources")
            policy = evaluate(plan, stack_file, server=pack.connect())
            if command == "plan":
                progress.phase(f"pricing {plan.resource_count} resources")
        except ProgramError as exc:
            progress.done()
            return _failed(stack, exc, EXIT_CONFIG)
        except PolicyPackError as exc:
            progress.done()
            return _failed(stack, f"policy pack error: {exc}", EXIT_PACK)
        finally:
            pack.stop()
        return _report(command, plan, policy, fmt, base, max_chars, progress)
    finally:
        progress.done()


def _report(
    command: str,
    plan: Any,
    policy: Any,
    fmt: str,
    base: Mapping[str, Any] | None,
    max_chars: int | None = None,
    progress: Any = None,
) -> int:
    from infra.cost import CostError, estimate
    from infra.report.plan import RENDERERS
    from infra.report.policy import POLICY_RENDERERS, with_policy

    if command == "check":
        text = POLICY_RENDERERS[fmt](policy)
        if progress is not None:
            progress.done()
        emit(text)
        return EXIT_OK if policy.passed else EXIT_POLICY
    if base is not None:
        text = compare(base, with_policy("json", RENDERERS["json"](plan), policy), fmt, max_chars)
    else:
        text = with_policy(fmt, RENDERERS[fmt](plan), policy)
    if progress is not None:
        progress.done()
    emit(text)
    if not policy.passed:
        return EXIT_POLICY
    try:
        estimate(plan)
    except CostError as exc:
        return _failed(plan.stack, exc, EXIT_COST)
    return EXIT_OK


def all_stacks_command(fmt: str = "text") -> int:
    """`check --all-stacks`: every stack file planned and checked in one process, then compared."""
    from infra.check import PolicyPackError
    from infra.check.all_stacks import check_all
    from infra.report.policy import ALL_STACKS_RENDERERS

    try:
        report = check_all()
    except ConfigError as exc:
        return _failed("check --all-stacks", exc, EXIT_CONFIG)
    except PolicyPackError as exc:
        return _failed("check --all-stacks", f"policy pack error: {exc}", EXIT_PACK)
    emit(ALL_STACKS_RENDERERS[fmt](report))
    return EXIT_OK if report.passed else EXIT_POLICY


def read_base_plan(path: Path, stack: str, allow_foreign: bool = False) -> dict[str, Any]:
    """The `--compare` document, checked before anything is planned (UsageError naming what is wrong)."""
    from infra.report.diff import plan_document_problems

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--compare {path}: cannot read it: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"--compare {path}: not JSON ({exc}); is the file truncated?") from None
    problems = plan_document_problems(document, stack, allow_foreign)
    if problems:
        raise UsageError(f"--compare {path}: " + "; ".join(problems))
    return dict(document)


def compare(base: Path | Mapping[str, Any], head_json: str, fmt: str, max_chars: int | None = None) -> str:
    """The diff of a saved plan JSON (a file, or its document) and this plan's, rendered (`plan --compare`)."""
    from infra.report.compare import COMMENT_LIMIT, COMPARE_RENDERERS, render_compare_markdown
    from infra.report.diff import diff_documents

    document = json.loads(Path(base).read_text(encoding="utf-8")) if isinstance(base, Path) else base
    diff = diff_documents(document, json.loads(head_json))
    if fmt == "markdown":
        return render_compare_markdown(diff, max_chars or COMMENT_LIMIT)
    return str(COMPARE_RENDERERS[fmt](diff))


def _validated(stack: str, path: Path | None) -> tuple[StackFile, Any]:
    stack_file = load_stack_file(stack, path)
    return stack_file, stack_file.validated()


def cost_command(stack: str | None, stack_file: Path | None, all_stacks: bool, fmt: str) -> int:
    """`python -m infra cost`: one stack's breakdown, or the table of the shipped stacks."""
    if not all_stacks and not stack:
        raise UsageError("give --stack <name> or --all-stacks")
    names = SHIPPED_STACKS if all_stacks else (str(stack),)
    loaded = []
    for name in names:
        try:
            loaded.append((name, *_validated(name, None if all_stacks else stack_file)))
        except ConfigError as exc:
            return _failed(name, exc, EXIT_CONFIG)
    from infra.cost import CostError, estimate
    from infra.plan.runner import ProgramError, plan_stack_file
    from infra.report.cost import render_markdown, render_text, stacks_table
    from infra.report.progress import Progress

    estimates = []
    for name, loaded_file, config in loaded:
        progress = Progress(f"cost {name}")
        try:
            plan = plan_stack_file(loaded_file, config=config, on_record=progress.record)
            progress.phase(f"pricing {plan.resource_count} resources")
            estimates.append(estimate(plan))
        except ProgramError as exc:
            return _failed(name, exc, EXIT_CONFIG)
        except CostError as exc:
            return _failed(name, exc, EXIT_COST)
        finally:
            progress.done()
    if fmt == "json":
        emit(json.dumps({e.stack: e.to_json() for e in estimates}, indent=2))
    elif all_stacks:
        emit(stacks_table(estimates) if fmt == "markdown" else "\n\n".join(render_text(e) for e in estimates))
    else:
        emit(render_markdown(estimates[0]) if fmt == "markdown" else render_text(estimates[0]))
    return EXIT_OK


def policies_command(fmt: str, write_config: bool) -> int:
    """`python -m infra policies`: the rules table; with --write-config, the pack config files."""
    if write_config:
        from infra.check.pack_config import write_pack_configs
        from infra.check.pack_vendor import write_vendor

        try:
            written = write_pack_configs() + write_vendor()
        except ConfigError as exc:
            print(f"python -m infra policies: {exc}", file=sys.stderr)
            return EXIT_CONFIG
        except OSError as exc:
            raise OutputError(f"{exc.filename or 'policy/config'}: {exc.strerror or exc}") from None
        emit("\n".join(f"wrote {path.relative_to(ROOT)}" for path in written))
        return EXIT_OK
    from infra.report.policy import RULES_RENDERERS

    emit(RULES_RENDERERS[fmt]())
    return EXIT_OK
