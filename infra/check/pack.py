"""Policy verdicts for an offline plan, from the policy pack itself, over the Analyzer gRPC protocol.

The Pulumi CLI runs `policy/` as a plugin: `python -u -m pulumi.policy <engine> <pack dir>`
in the pack's directory, with the stack in PULUMI_PROJECT / PULUMI_STACK / PULUMI_CONFIG /
PULUMI_DRY_RUN. `PolicyPack(...)` then serves the Analyzer protocol on 127.0.0.1 and prints
its port. `PolicyPackServer` does exactly that, then speaks the protocol like the engine:
GetAnalyzerInfo, Configure (every policy's level and properties, as the CLI sends from
`--policy-pack-config`), Analyze per resource and AnalyzeStack once. There is no second copy
of the rules here; this module only carries requests and collects diagnostics.

One pack process per run, every resource over one channel (requests pipelined as futures),
bounded timeouts (the start timeout is configurable), and the process is always stopped
(`with PolicyPackServer(...)`; the CLI turns SIGTERM and Ctrl-C into exceptions so this runs,
and the pack exits by itself when its parent dies). Faults fail loudly as `PolicyPackError`:
a pack that cannot start shows its own error output, a rule that raises is named.

The pack's per-stack configuration comes from `pack_config.py`; the verdict types from
`verdicts.py`.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any, NoReturn

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from infra.check.pack_config import POLICY_DIR, pack_config
from infra.check.verdicts import PolicyReport, Verdict
from infra.config import NAMESPACE, StackFile, load_stack_file, stack_path
from infra.plan.records import Plan, ResourceRecord

START_TIMEOUT_S = 30.0  # default; PolicyPackServer(start_timeout=...) / `--pack-start-timeout`
RPC_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 5.0
INFORMATIONAL = "informational"  # policy tag (policy/rules/base.py): diagnostics are notes
NO_ENGINE = "127.0.0.1:0"  # the engine address argument; the pack never dials it

_LEVELS = {
    analyzer_pb2.ADVISORY: "advisory",
    analyzer_pb2.MANDATORY: "mandatory",
    analyzer_pb2.REMEDIATE: "remediate",
    analyzer_pb2.DISABLED: "disabled",
}
_LEVEL_VALUES = {v: k for k, v in _LEVELS.items()}
_SEVERITIES = {
    analyzer_pb2.POLICY_SEVERITY_UNSPECIFIED: "",
    analyzer_pb2.POLICY_SEVERITY_LOW: "low",
    analyzer_pb2.POLICY_SEVERITY_MEDIUM: "medium",
    analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
    analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical",
}


class PolicyPackError(RuntimeError):
    """The pack could not be started, did not answer in time, or one of its rules raised."""


_APPLICATION_ERROR = "Exception calling application: "


def _rpc_failure(exc: grpc.RpcError, what: str) -> PolicyPackError:
    """A gRPC error from the pack as a PolicyPackError: the rule's own message when a rule raised."""
    details = str(exc.details() if hasattr(exc, "details") else exc) or type(exc).__name__
    code = exc.code().name if hasattr(exc, "code") and exc.code() is not None else "UNKNOWN"
    if details.startswith(_APPLICATION_ERROR):
        return PolicyPackError(f"{what}: {details.removeprefix(_APPLICATION_ERROR)}")
    return PolicyPackError(f"{what}: the pack answered {code}: {details}")


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(json.loads(json.dumps(values, default=str)))
    return struct


def _provider_ref(record: ResourceRecord, by_urn: Mapping[str, ResourceRecord]) -> Any:
    if not record.provider:
        return None
    provider = by_urn.get(record.provider.rsplit("::", 1)[0])
    if provider is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(
        type=provider.type, properties=_struct(provider.inputs), urn=provider.urn, name=provider.name
    )


def _options(record: ResourceRecord) -> Any:
    return analyzer_pb2.AnalyzerResourceOptions(protect=record.protect, parent=record.parent or "")


def _resource_fields(record: ResourceRecord, by_urn: Mapping[str, ResourceRecord]) -> dict[str, Any]:
    """What AnalyzeRequest and AnalyzerResource both carry for one resource."""
    return {
        "type": record.type,
        "properties": _struct(record.inputs),
        "urn": record.urn,
        "name": record.name,
        "options": _options(record),
        "provider": _provider_ref(record, by_urn),
    }


class PolicyPackServer:
    """The policy pack running as the CLI runs it; a context manager that always stops it."""

    def __init__(
        self,
        stack: str = "dev",
        engine_config: Mapping[str, str] | None = None,
        secret_keys: Iterable[str] = (),
        pack_dir: Path | None = None,
        start_timeout: float | None = None,
    ) -> None:
        self.stack = stack
        self.pack_dir = pack_dir or POLICY_DIR
        self.start_timeout = start_timeout or START_TIMEOUT_S
        self.env = {
            **os.environ,
            "PULUMI_PROJECT": NAMESPACE,
            "PULUMI_STACK": stack,
            "PULUMI_ORGANIZATION": "organization",
            "PULUMI_DRY_RUN": "true",
            "PULUMI_CONFIG": json.dumps(dict(engine_config or {})),
            "PULUMI_CONFIG_SECRET_KEYS": json.dumps(list(secret_keys)),
            "PYTHONUNBUFFERED": "1",
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.channel: grpc.Channel | None = None
        self.stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self.info: Any = None
        self.startup_s = 0.0
        self._spawned_at = 0.0
        self._stderr: IO[bytes] | None = None

    # lifecycle
    def start(self) -> PolicyPackServer:
        """Spawn the pack and connect to it."""
        return self.spawn().connect()

    def spawn(self) -> PolicyPackServer:
        """Start the pack's process without waiting for it: it boots on the other core while we plan."""
        self._spawned_at = time.perf_counter()
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in stop())
        try:
            self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and pack)
                [sys.executable, "-u", "-m", "pulumi.policy", NO_ENGINE, str(self.pack_dir)],
                cwd=self.pack_dir,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
            )
        except OSError as exc:  # e.g. E2BIG: a PULUMI_CONFIG over the environment limit
            self._stderr.close()
            raise PolicyPackError(f"the policy pack could not be started: {exc.strerror or exc}") from None
        return self

    def connect(self) -> PolicyPackServer:
        """Wait for the spawned pack's port and open the gRPC channel to it."""
        if self.process is None:
            self.spawn()
        assert self.process is not None  # noqa: S101 (spawn() sets it)
        port = self._read_port(self.process)
        self.channel = grpc.insecure_channel(
            f"127.0.0.1:{port}", options=[("grpc.max_receive_message_length", 400 * 1024 * 1024)]
        )
        try:
            grpc.channel_ready_future(self.channel).result(timeout=self._time_left())
            self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)
            self.info = self.stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=RPC_TIMEOUT_S)
        except grpc.FutureTimeoutError:
            self._fail(f"the policy pack on port {port} did not accept a connection within {self.start_timeout:g} s")
        except grpc.RpcError as exc:
            self._fail(str(_rpc_failure(exc, "the policy pack did not describe itself")))
        self.startup_s = time.perf_counter() - self._spawned_at
        return self

    def _time_left(self) -> float:
        return max(0.1, self.start_timeout - (time.perf_counter() - self._spawned_at))

    def _fail(self, message: str) -> NoReturn:
        """Stop the pack and raise, with what the pack itself wrote to stderr (read before it is closed)."""
        tail = self.stderr_tail()
        self.stop()
        raise PolicyPackError(message + (f"; its error output:\n{tail}" if tail.strip() else "")) from None

    def _read_port(self, process: subprocess.Popen[bytes]) -> int:
        lines: queue.Queue[bytes] = queue.Queue()

        def pump(stream: IO[bytes]) -> None:  # also drains later output so the pipe never blocks the pack
            for line in iter(stream.readline, b""):
                lines.put(line)
            lines.put(b"")

        if process.stdout is None:
            raise PolicyPackError("policy pack started without a stdout pipe")
        threading.Thread(target=pump, args=(process.stdout,), daemon=True).start()
        deadline = self._spawned_at + self.start_timeout
        while True:
            try:
                first = lines.get(timeout=min(0.2, max(0.01, deadline - time.perf_counter()))).decode().strip()
                break
            except queue.Empty:
                if time.perf_counter() >= deadline:
                    self._fail(
                        f"the policy pack did not start within {self.start_timeout:g} s (raise it with "
                        "--pack-start-timeout or QMOI_PACK_START_TIMEOUT_S)"
                    )
        if not first.isdigit():
            code = process.wait(timeout=STOP_TIMEOUT_S) if not first else process.poll()
            exited = f"exited with code {code}" if code is not None else f"printed {first[:200]!r}"
            self._fail(f"the policy pack did not start: it {exited} before printing its port")
        return int(first)

    def stderr_tail(self, limit: int = 4000) -> str:
        if self._stderr is None or self._stderr.closed:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-limit:]

    def stop(self) -> None:
        if self.channel is not None:
            self.channel.close()
            self.channel = None
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT_S)
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()
        self.process = None
        if self._stderr is not None:
            self._stderr.close()

    def __enter__(self) -> PolicyPackServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    # protocol
    @property
    def _stub(self) -> analyzer_pb2_grpc.AnalyzerStub:
        if self.stub is None:
            raise PolicyPackError("policy pack is not started")
        return self.stub

    @property
    def policies(self) -> dict[str, Any]:
        return {p.name: p for p in self.info.policies}

    def configure(self, config: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, str]:
        """Send every policy's level and properties, as the CLI does; returns the levels in force."""
        config = config or {}
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        levels: dict[str, str] = {}
        for name, info in self.policies.items():
            entry = dict(config.get(name) or {})
            level = str(entry.pop("enforcementLevel", _LEVELS[info.enforcementLevel]))
            levels[name] = level
            request.policyConfig[name].CopyFrom(
                analyzer_pb2.PolicyConfig(enforcementLevel=_LEVEL_VALUES[level], properties=_struct(entry))
            )
        self._stub.Configure(request, timeout=RPC_TIMEOUT_S)
        return levels

    def analyze(self, records: list[ResourceRecord], context: list[ResourceRecord] | None = None) -> list[Any]:
        """Analyze each record (pipelined over the channel); the AnalyzeResponses in order."""
        by_urn = {r.urn: r for r in (context or records)}
        futures = [
            self._stub.Analyze.future(analyzer_pb2.AnalyzeRequest(**_resource_fields(r, by_urn)), timeout=RPC_TIMEOUT_S)
            for r in records
        ]
        return [f.result() for f in futures]

    def analyze_stack(self, records: list[ResourceRecord]) -> Any:
        by_urn = {r.urn: r for r in records}
        resources = [
            analyzer_pb2.AnalyzerResource(
                **_resource_fields(r, by_urn),
                parent=r.parent or "",
                dependencies=r.dependencies,
                propertyDependencies={
                    k: analyzer_pb2.AnalyzerPropertyDependencies(urns=v) for k, v in r.property_dependencies.items()
                },
            )
            for r in records
        ]
        return self._stub.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=resources), timeout=RPC_TIMEOUT_S)

    def verdicts(
        self, responses: Iterable[Any], by_urn: Mapping[str, ResourceRecord], subject: str | None = None
    ) -> tuple[list[Verdict], list[Verdict], dict[str, str]]:
        """Diagnostics as (violations, notes, not evaluated); `subject` names diagnostics without a urn."""
        informational = {p.name for p in self.info.policies if INFORMATIONAL in p.tags}
        violations: list[Verdict] = []
        notes: list[Verdict] = []
        not_evaluated: dict[str, str] = {}
        for response in responses:
            for d in response.diagnostics:
                urn = d.urn or subject
                record = by_urn.get(urn) if urn else None
                verdict = Verdict(
                    policy=d.policyName,
                    level="note" if d.policyName in informational else _LEVELS.get(d.enforcementLevel, "advisory"),
                    severity=_SEVERITIES.get(d.severity, ""),
                    message=d.message,
                    urn=urn or None,
                    resource=record.name if record else None,
                    resource_type=record.type if record else None,
                )
                (notes if verdict.level == "note" else violations).append(verdict)
            for na in response.not_applicable:
                if na.reason.startswith("not evaluated"):
                    not_evaluated[na.policy_name] = na.reason
        return violations, notes, not_evaluated


def _checked(records: list[ResourceRecord]) -> list[ResourceRecord]:
    """What the engine analyzes one by one: resources a provider manages (no components, no providers)."""
    return [r for r in records if r.is_resource]


def evaluate_records(
    server: PolicyPackServer,
    stack: str,
    records: list[ResourceRecord],
    config: Mapping[str, Mapping[str, Any]] | None = None,
) -> PolicyReport:
    """Configure the running pack, analyze every resource and the stack, and collect the verdicts.

    Raises PolicyPackError when the pack fails (a rule that raised is named in the message).
    """
    try:
        return _evaluate_records(server, stack, records, config)
    except grpc.RpcError as exc:
        raise _rpc_failure(exc, "the policy pack failed") from None


def _evaluate_records(
    server: PolicyPackServer,
    stack: str,
    records: list[ResourceRecord],
    config: Mapping[str, Mapping[str, Any]] | None,
) -> PolicyReport:
    started = time.perf_counter()
    levels = server.configure(config)
    by_urn = {r.urn: r for r in records}
    checked = _checked(records)
    responses = server.analyze(checked, records)
    violations: list[Verdict] = []
    notes: list[Verdict] = []
    not_evaluated: dict[str, str] = {}
    for response, record in zip(responses, checked, strict=True):
        v, n, ne = server.verdicts([response], by_urn, subject=record.urn)
        violations += v
        notes += n
        not_evaluated |= ne
    v, n, ne = server.verdicts([server.analyze_stack(records)], by_urn)
    return PolicyReport(
        stack=stack,
        pack=server.info.name,
        resources_checked=len(checked),
        policies_applied=sum(1 for level in levels.values() if level != "disabled"),
        violations=violations + v,
        notes=notes + n,
        not_evaluated=not_evaluated | ne,
        elapsed_s=time.perf_counter() - started,
    )


def evaluate(plan: Plan, stack_file: StackFile | None = None, server: PolicyPackServer | None = None) -> PolicyReport:
    """The pack's verdicts on a plan, configured from the plan's stack.

    Without `server`, starts the pack for this stack (its config in PULUMI_CONFIG, as the CLI
    passes it) and stops it afterwards.
    """
    config = pack_config(plan.config) if plan.config is not None else None
    if server is not None:
        return evaluate_records(server, plan.stack, plan.resources, config)
    if stack_file is None:
        stack_file = load_stack_file(plan.stack) if stack_path(plan.stack).is_file() else None
    started = time.perf_counter()
    with PolicyPackServer(
        plan.stack,
        stack_file.config if stack_file is not None else {},
        stack_file.secret_keys if stack_file is not None else (),
    ) as pack:
        report = evaluate_records(pack, plan.stack, plan.resources, config)
    report.elapsed_s = time.perf_counter() - started
    return report
