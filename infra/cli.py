"""`python -m infra`: the offline plan, policy check and cost of a stack, without a cloud account.

Every command lives here, and so do the exit codes: 0 ok; 1 a mandatory policy is violated;
2 the configuration is invalid; 3 the cost model cannot price the stack (`cost`).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from infra.config import ROOT, SHIPPED_STACKS, ConfigError, load_stack_file

EXIT_OK, EXIT_POLICY, EXIT_CONFIG, EXIT_COST = 0, 1, 2, 3
FORMATS = ["text", "json", "markdown"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m infra", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    plan = commands.add_parser("plan", help="run the program on the mock runtime and report what it declares")
    plan.add_argument("--stack", required=True, help="dev, staging or prod (reads Pulumi.<stack>.yaml)")
    plan.add_argument("--stack-file", type=Path, help="plan this stack file instead of Pulumi.<stack>.yaml")
    plan.add_argument("--format", choices=FORMATS, default="text")
    plan.add_argument(
        "--compare", type=Path, metavar="BASE.json", help="compare with a saved `plan --format json` (a PR report)"
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
    policies = commands.add_parser("policies", help="the policy pack's rules; write policy/config/<stack>.json")
    policies.add_argument("--format", choices=["text", "markdown"], default="text")
    policies.add_argument("--write-config", action="store_true", help="regenerate policy/config/<stack>.json")
    docs = commands.add_parser("docs", help="rewrite the generated sections of README.md and docs/")
    docs.add_argument("--check", action="store_true", help="only report stale sections (exit 1 if any)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "cost":
        return cost_command(args.stack, args.stack_file, args.all_stacks, args.format)
    if args.command == "policies":
        return policies_command(args.format, args.write_config)
    if args.command == "check" and args.all_stacks:
        return all_stacks_command()
    if args.command == "check" and not args.stack:
        print("python -m infra check: give --stack <name> or --all-stacks", file=sys.stderr)
        return EXIT_CONFIG
    if args.command == "docs":
        from infra.report.docs import main as docs_main

        return docs_main(["--check"] if args.check else [])
    return plan_command(
        args.command, args.stack, args.stack_file, getattr(args, "format", "text"), getattr(args, "compare", None)
    )


def plan_command(command: str, stack: str, path: Path | None, fmt: str, compare_with: Path | None) -> int:
    """`plan` (the report, or a comparison with a saved plan) and `check` (the policy verdicts only)."""
    # Imported here so `--help` and argument errors stay instant.
    from infra.check import PolicyPackServer, evaluate
    from infra.plan.runner import plan_stack_file
    from infra.report.plan import RENDERERS
    from infra.report.policy import render_policy_text, with_policy

    try:
        stack_file = load_stack_file(stack, path)
    except ConfigError as exc:
        print(f"{stack}: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    # The pack boots in its own process (on the other core) while this one plans.
    pack = PolicyPackServer(stack, stack_file.config, stack_file.secret_keys).spawn()
    try:
        try:
            plan = plan_stack_file(stack_file)
        except ConfigError as exc:
            print(f"{stack}: {exc}", file=sys.stderr)
            return EXIT_CONFIG
        policy = evaluate(plan, stack_file, server=pack.connect())
    finally:
        pack.stop()
    if command == "check":
        print(render_policy_text(policy))
    elif compare_with is not None:
        print(compare(compare_with, with_policy("json", RENDERERS["json"](plan), policy), fmt))
    else:
        print(with_policy(fmt, RENDERERS[fmt](plan), policy))
    return EXIT_OK if policy.passed else EXIT_POLICY


def all_stacks_command() -> int:
    """`check --all-stacks`: every stack file planned and checked in one process, then compared."""
    from infra.check.all_stacks import check_all
    from infra.report.policy import render_all_stacks_text

    try:
        report = check_all()
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_CONFIG
    print(render_all_stacks_text(report))
    return EXIT_OK if report.passed else EXIT_POLICY


def compare(base_path: Path, head_json: str, fmt: str) -> str:
    """The diff of a saved plan JSON and this plan's, rendered (`plan --compare BASE.json`)."""
    from infra.report.compare import COMPARE_RENDERERS
    from infra.report.diff import diff_documents

    base = json.loads(Path(base_path).read_text(encoding="utf-8"))
    return str(COMPARE_RENDERERS[fmt](diff_documents(base, json.loads(head_json))))


def cost_command(stack: str | None, stack_file: Path | None, all_stacks: bool, fmt: str) -> int:
    """`python -m infra cost`: one stack's breakdown, or the table of the shipped stacks."""
    from infra.cost import CostError, estimate
    from infra.plan.runner import plan_stack_file
    from infra.report.cost import render_markdown, render_text, stacks_table

    if not all_stacks and not stack:
        print("python -m infra cost: give --stack <name> or --all-stacks", file=sys.stderr)
        return EXIT_CONFIG
    estimates = []
    for name in SHIPPED_STACKS if all_stacks else (str(stack),):
        try:
            plan = plan_stack_file(load_stack_file(name, None if all_stacks else stack_file))
            estimates.append(estimate(plan))
        except ConfigError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            return EXIT_CONFIG
        except CostError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            return EXIT_COST
    if fmt == "json":
        print(json.dumps({e.stack: e.to_json() for e in estimates}, indent=2))
    elif all_stacks:
        if fmt == "markdown":
            print(stacks_table(estimates), end="")
        else:
            print("\n\n".join(render_text(e) for e in estimates))
    else:
        print(render_markdown(estimates[0]) if fmt == "markdown" else render_text(estimates[0]))
    return EXIT_OK


def policies_command(fmt: str, write_config: bool) -> int:
    """`python -m infra policies`: the rules table; with --write-config, the pack config files."""
    if write_config:
        from infra.check.pack_config import write_pack_configs

        for path in write_pack_configs():
            print(f"wrote {path.relative_to(ROOT)}")
        return EXIT_OK
    from infra.report.policy import rules_table

    if fmt == "markdown":
        print(rules_table(), end="")
        return EXIT_OK
    from policy.rules import RULES

    for rule in RULES:
        print(f"{rule.name:<40} {rule.enforcement.value:<9} {rule.severity.value:<8} {', '.join(rule.providers)}")
    return EXIT_OK
