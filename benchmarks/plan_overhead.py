"""Benchmark: the plan runner's own cost next to the SDK's cost of registering the same resources.

    python benchmarks/plan_overhead.py --stack dev --runs 5

Plans the stack once to warm imports, then alternates runs with the recording monitor
(what `python -m infra plan` uses) and with the SDK's plain MockMonitor (what any Pulumi
mock test pays), and prints the median of each. Not a test: timings vary by machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pulumi.runtime.mocks import MockMonitor

from infra.plan import mocks as mocks_module
from infra.plan import runner as runner_module
from infra.plan.runner import plan_stack


class PlainMonitor(MockMonitor):
    """The SDK's monitor with the recorder's interface, recording nothing."""

    def __init__(self, mocks: mocks_module.PlatformMocks) -> None:
        super().__init__(mocks)
        self.records: list[object] = []
        self.stack_outputs: dict[str, object] = {}


def timed(stack: str) -> tuple[float, int]:
    start = time.perf_counter()
    plan = plan_stack(stack)
    return time.perf_counter() - start, len(plan.resources)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    start = time.perf_counter()
    _, count = timed(args.stack)
    print(f"first plan (imports included): {time.perf_counter() - start:.2f} s, {count} registrations")
    recording, plain = [], []
    original = runner_module.RecordingMonitor
    for _ in range(args.runs):
        recording.append(timed(args.stack)[0])
        runner_module.RecordingMonitor = PlainMonitor  # type: ignore[misc,assignment]
        try:
            plain.append(timed(args.stack)[0])
        finally:
            runner_module.RecordingMonitor = original  # type: ignore[misc]
    r, p = statistics.median(recording), statistics.median(plain)
    print(
        f"median per plan: recording monitor {r * 1000:.0f} ms, SDK mock monitor {p * 1000:.0f} ms, "
        f"recorder overhead {(r - p) * 1000:.0f} ms ({(r - p) / p:+.0%})"
    )


if __name__ == "__main__":
    main()
