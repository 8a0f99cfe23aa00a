"""`python -m infra`: the offline plan, policy check and cost of a stack, without a cloud account.

Exit codes: 0 ok; 1 a mandatory policy is violated; 2 the configuration is invalid;
3 the cost model cannot price the stack (`cost`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from infra.config import ConfigError

EXIT_OK, EXIT_POLICY, EXIT_CONFIG = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m infra", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    plan = commands.add_parser("plan", help="run the program on the mock runtime and report what it declares")
    plan.add_argument("--stack", required=True, help="dev, staging or prod (reads Pulumi.<stack>.yaml)")
    plan.add_argument("--stack-file", type=Path, help="plan this stack file instead of Pulumi.<stack>.yaml")
    plan.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    plan.add_argument(
        "--compare", type=Path, metavar="BASE.json", help="compare with a saved `plan --format json` (a PR report)"
    )
    cost = commands.add_parser("cost", help="the monthly cost: per provider, component, resource; levers; budget")
    cost.add_argument("--stack", help="dev, staging or prod (reads Pulumi.<stack>.yaml)")
    cost.add_argument("--stack-file", type=Path, help="price this stack file instead of Pulumi.<stack>.yaml")
    cost.add_argument("--all-stacks", action="store_true", help="dev, staging and prod: one table")
    cost.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    check = commands.add_parser("check", help="only the policy pack's verdicts on the stack (exit 1 on mandatory)")
    check.add_argument("--stack", required=True, help="dev, staging or prod (reads Pulumi.<stack>.yaml)")
    check.add_argument("--stack-file", type=Path, help="check this stack file instead of Pulumi.<stack>.yaml")
    policies = commands.add_parser("policies", help="the policy pack's rules; write policy/config/<stack>.json")
    policies.add_argument("--format", choices=["text", "markdown"], default="text")
    policies.add_argument("--write-config", action="store_true", help="regenerate policy/config/<stack>.json")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "cost":
        from infra.cost import cost_command

        return cost_command(args.stack, args.stack_file, args.all_stacks, args.format)
    if args.command == "policies":
        from infra.policy import policies_command

        return policies_command(args.format, args.write_config)
    # Imported here so `--help` and argument errors stay instant.
    from infra.diff import compare
    from infra.plan import plan_stack_file
    from infra.policy import PolicyPackServer, evaluate
    from infra.report import RENDERERS, render_policy_text, with_policy
    from infra.stackfile import load_stack_file

    try:
        stack_file = load_stack_file(args.stack, args.stack_file)
    except ConfigError as exc:
        print(f"{args.stack}: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    # The pack boots in its own process (on the other core) while this one plans.
    pack = PolicyPackServer(args.stack, stack_file.config, stack_file.secret_keys).spawn()
    try:
        try:
            plan = plan_stack_file(stack_file)
        except ConfigError as exc:
            print(f"{args.stack}: {exc}", file=sys.stderr)
            return EXIT_CONFIG
        policy = evaluate(plan, stack_file, server=pack.connect())
    finally:
        pack.stop()
    if args.command == "check":
        print(render_policy_text(policy))
    else:
        document = with_policy("json", RENDERERS["json"](plan), policy) if args.compare else ""
        print(
            compare(args.compare, document, args.format)
            if args.compare
            else with_policy(args.format, RENDERERS[args.format](plan), policy)
        )
    return EXIT_OK if policy.passed else EXIT_POLICY
