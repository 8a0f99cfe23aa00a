"""The pack converts each resource of a stack request once: the verdicts are the SDK's own, faster."""

from __future__ import annotations

from google.protobuf import json_format
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy.policy import EnforcementLevel, _PolicyAnalyzerServicer

from infra.check.pack import _resource_fields
from policy import request_cache
from policy.rules import RULES
from policy.rules.base import StackRule


def stack_request(records) -> analyzer_pb2.AnalyzeStackRequest:
    by_urn = {r.urn: r for r in records}
    return analyzer_pb2.AnalyzeStackRequest(
        resources=[
            analyzer_pb2.AnalyzerResource(
                **_resource_fields(r, by_urn),
                parent=r.parent or "",
                dependencies=r.dependencies,
                propertyDependencies={
                    k: analyzer_pb2.AnalyzerPropertyDependencies(urns=v) for k, v in r.property_dependencies.items()
                },
            )
            for r in records
            if r.is_resource
        ]
    )


def test_a_stack_request_gives_the_same_verdicts_with_each_resource_converted_once(dev_plan, monkeypatch):
    request_cache.install()
    request_cache.install()  # idempotent: a second install does not wrap the wrapper
    servicer = _PolicyAnalyzerServicer(
        "qmoi-cloud", "1", [r.policy() for r in RULES], EnforcementLevel.MANDATORY, *[None] * 7
    )
    records = [r for r in dev_plan.resources if r.type.startswith(("aws:", "cloudflare:"))]
    request = stack_request(records)
    conversions: list[object] = []
    convert = json_format.MessageToDict

    def counted(message: object, *args: object, **kwargs: object) -> object:
        conversions.append(message)
        return convert(message, *args, **kwargs)

    monkeypatch.setattr(json_format, "MessageToDict", counted)
    uncached = getattr(_PolicyAnalyzerServicer.AnalyzeStack, "uncached")(servicer, request, None)  # noqa: B009
    stack_policies = sum(1 for r in RULES if isinstance(r, StackRule))
    assert len(conversions) == len(request.resources) * stack_policies
    conversions.clear()
    cached = servicer.AnalyzeStack(request, None)
    assert len(conversions) == len(request.resources)  # once each, whatever the number of stack policies
    assert cached == uncached and len(cached.diagnostics) > 0
    # outside a stack request nothing is remembered: per-resource analysis converts as the SDK does
    assert getattr(request_cache._local, "memo", None) is None
