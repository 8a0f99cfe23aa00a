"""`python -m infra`: the offline plan, policy check and cost of a stack, without a cloud account.

Exit codes: 0 ok; 1 a mandatory policy is violated; 2 the configuration is invalid.
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Imported here so `--help` and argument errors stay instant.
    from infra.plan import plan_stack_file
    from infra.report import RENDERERS
    from infra.stackfile import load_stack_file

    try:
        plan = plan_stack_file(load_stack_file(args.stack, args.stack_file))
    except ConfigError as exc:
        print(f"{args.stack}: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    print(RENDERERS[args.format](plan))
    return EXIT_OK
