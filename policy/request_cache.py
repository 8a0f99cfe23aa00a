"""Convert each resource of an AnalyzeStack request once, not once per stack policy.

pulumi-policy (1.21, `_PolicyAnalyzerServicer.AnalyzeStack`) rebuilds the whole resource list
for every stack policy: `MessageToDict`, `deserialize_properties` and `unknown_checking_proxy`
of every resource, ~75 policies x ~400 resources = 30,000 conversions per `pulumi preview`,
about two thirds of the time the pack spends on a stack. The three are pure functions of the
request's messages, so within one AnalyzeStack call (and only there: the cache lives in the
calling thread, from the start to the end of the call) each resource is converted once and
every policy sees the same read-only values. Nothing changes in what a policy receives.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pulumi_policy.policy as sdk
from google.protobuf import json_format

_local = threading.local()


def _memo(function: Callable[..., Any]) -> Callable[..., Any]:
    """`function(value)` once per `value` object during an AnalyzeStack call; unchanged outside one."""

    def cached(value: Any, *args: Any, **kwargs: Any) -> Any:
        memo: dict[tuple[int, int], tuple[Any, Any]] | None = getattr(_local, "memo", None)
        if memo is None or args or kwargs:
            return function(value, *args, **kwargs)
        key = (id(function), id(value))
        hit = memo.get(key)
        if hit is None or hit[0] is not value:
            hit = (value, function(value))  # the value is kept alive, so its id is not reused meanwhile
            memo[key] = hit
        return hit[1]

    return cached


def _message_to_dict(message: Any, *args: Any, **kwargs: Any) -> Any:
    return json_format.MessageToDict(message, *args, **kwargs)


class _JsonFormat:
    """The `json_format` module as pulumi-policy uses it, with `MessageToDict` memoized."""

    MessageToDict = staticmethod(_memo(_message_to_dict))

    def __getattr__(self, name: str) -> Any:
        return getattr(json_format, name)


@contextmanager
def _one_request() -> Iterator[None]:
    _local.memo = {}
    try:
        yield
    finally:
        _local.memo = None


def install() -> None:
    """Patch the SDK's stack analysis (idempotent); called before the pack starts serving."""
    servicer = sdk._PolicyAnalyzerServicer  # the SDK's own servicer, patched in place
    if hasattr(servicer.AnalyzeStack, "uncached"):
        return
    analyze_stack = servicer.AnalyzeStack

    def AnalyzeStack(self: Any, request: Any, context: Any) -> Any:  # noqa: N802 (the gRPC method name)
        with _one_request():
            return analyze_stack(self, request, context)

    AnalyzeStack.uncached = analyze_stack  # type: ignore[attr-defined]
    servicer.AnalyzeStack = AnalyzeStack  # type: ignore[method-assign]
    sdk.json_format = _JsonFormat()  # type: ignore[assignment]
    sdk.deserialize_properties = _memo(sdk.deserialize_properties)
    sdk.unknown_checking_proxy = _memo(sdk.unknown_checking_proxy)
