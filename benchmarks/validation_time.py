"""Benchmark: catalog load and stack validation, each in a fresh interpreter.

    python benchmarks/validation_time.py --stack dev --runs 7

Each run starts a new Python process (so nothing is cached) and imports `infra.config` and
reads the stack file; then it times either `load_catalog()` alone or the first `validate()`
of the stack (which pays the catalog load and the validity lists). Prints the median of each
in milliseconds. Not a test: timings vary by machine and load.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, time
from infra.config import load_stack_file, validate
stack = load_stack_file({stack!r})
t0 = time.perf_counter()
{first}
t1 = time.perf_counter()
print(json.dumps({{"ms": (t1 - t0) * 1000}}))
"""
LOAD = "from infra.catalog import load_catalog; load_catalog()"
VALIDATE = "validate(stack.platform, stack.stack)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    results: dict[str, list[float]] = {"catalog load": [], "first validation (cold validity lists)": []}
    for _ in range(args.runs):
        for label, step in zip(results, (LOAD, VALIDATE), strict=True):
            out = subprocess.run(  # noqa: S603 - this interpreter and a fixed probe
                [sys.executable, "-c", PROBE.format(stack=args.stack, first=step)],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            results[label].append(json.loads(out.strip().splitlines()[-1])["ms"])
    for label, values in results.items():
        print(f"{label}: median {statistics.median(values):.1f} ms (runs: {', '.join(f'{v:.1f}' for v in values)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
