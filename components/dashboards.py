"""Dashboards: one provider-neutral list of panels that every cloud's dashboard is generated from.

A panel is a title and a metric *role* (what it shows: a tier's capacity, a function's
errors, the CDN's cache hit ratio, ...). The role says what the panel is drawn for: every tier,
every function, the CDN, or the stack. Each provider maps roles to its own metrics
(`METRICS` in `components/<provider>/dashboard.py`), or to None where it publishes none (the
panel is left out of that cloud's dashboard, and the README's provider table says so). Adding
a panel is one line in `PANELS` plus one line per provider's `METRICS`.

`layout` places the panels a provider can draw on a grid, one tile per panel with one series
per subject (every tier in the tier panels, every function in the function panels), so a
dashboard covers every tier and function of the stack by construction.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pulumi


class Subject(StrEnum):
    """What a panel draws one series for."""

    tier = "tier"
    function = "function"
    cdn = "cdn"
    stack = "stack"


class Role(StrEnum):
    """What a panel shows; `<subject>.<measure>`."""

    tier_capacity = "tier.capacity"
    tier_cpu = "tier.cpu"
    tier_gpu = "tier.gpu"
    function_invocations = "function.invocations"
    function_errors = "function.errors"
    function_duration = "function.duration"
    function_throttles = "function.throttles"
    cdn_requests = "cdn.requests"
    cdn_cache_hit_ratio = "cdn.cache_hit_ratio"
    cdn_4xx_rate = "cdn.4xx_rate"
    cdn_5xx_rate = "cdn.5xx_rate"
    budget_burn = "stack.budget_burn"

    @property
    def subject(self) -> Subject:
        return Subject(self.value.split(".", 1)[0])


@dataclass(frozen=True)
class Panel:
    title: str
    role: Role


PANELS: tuple[Panel, ...] = (
    Panel("Instances per tier", Role.tier_capacity),
    Panel("CPU utilisation per tier (%)", Role.tier_cpu),
    Panel("GPU utilisation per tier (%)", Role.tier_gpu),
    Panel("Function invocations", Role.function_invocations),
    Panel("Function errors", Role.function_errors),
    Panel("Function duration", Role.function_duration),
    Panel("Function throttles", Role.function_throttles),
    Panel("CDN requests", Role.cdn_requests),
    Panel("CDN cache hit ratio (%)", Role.cdn_cache_hit_ratio),
    Panel("CDN 4xx rate (%)", Role.cdn_4xx_rate),
    Panel("CDN 5xx rate (%)", Role.cdn_5xx_rate),
    Panel("Spend against the budget", Role.budget_burn),
)

COLUMNS = 24
TILE_WIDTH = 12
TILE_HEIGHT = 6


@dataclass(frozen=True)
class Tile:
    """A panel placed on the grid, with the subjects it draws a series for (tier or function names)."""

    panel: Panel
    subjects: tuple[str, ...]
    x: int
    y: int
    width: int = TILE_WIDTH
    height: int = TILE_HEIGHT


@dataclass(frozen=True)
class DashboardArgs:
    """What every provider's dashboard component takes; providers extend it with their wiring.

    `tiers` and `functions` map the stack's tier and function names to the provider's handle of
    each (a group name, a resource id); `cdn` is the CDN's handle, None without one.
    """

    tiers: Mapping[str, pulumi.Input[str]]
    functions: Mapping[str, pulumi.Input[str]]
    cdn: pulumi.Input[str] | None = None
    unavailable: frozenset[Role] = field(default_factory=frozenset)
    """Roles the provider maps but this stack cannot draw (e.g. a metric that needs a paid subscription)."""


def subjects_of(role: Role, args: DashboardArgs) -> tuple[str, ...]:
    """The series a panel of `role` draws: every tier, every function, the CDN, or the stack."""
    if role.subject is Subject.tier:
        return tuple(args.tiers)
    if role.subject is Subject.function:
        return tuple(args.functions)
    if role.subject is Subject.cdn:
        return ("cdn",) if args.cdn is not None else ()
    return ("stack",)


def layout(mapped: Collection[Role], args: DashboardArgs, panels: Sequence[Panel] = PANELS) -> list[Tile]:
    """The panels a provider draws (`mapped` roles, minus `args.unavailable`, with something to show),
    two to a row, in the order of `panels`."""
    tiles: list[Tile] = []
    for panel in panels:
        subjects = subjects_of(panel.role, args)
        if panel.role not in mapped or panel.role in args.unavailable or not subjects:
            continue
        index = len(tiles)
        tiles.append(
            Tile(panel, subjects, x=(index * TILE_WIDTH) % COLUMNS, y=(index * TILE_WIDTH) // COLUMNS * TILE_HEIGHT)
        )
    return tiles


def tiles_for(metrics: Mapping[Role, object | None], args: DashboardArgs) -> list[Tile]:
    """The layout of the panels a provider maps to a metric (`metrics`: role -> its metric, or None)."""
    return layout({role for role, metric in metrics.items() if metric is not None}, args)


def handles(args: DashboardArgs, **extra: pulumi.Input[Any]) -> pulumi.Output[dict[str, Any]]:
    """Every handle the dashboard names, resolved: {"tier:<name>": ..., "function:<name>": ..., "cdn": ...}."""
    found: dict[str, pulumi.Input[Any]] = {f"tier:{t}": h for t, h in args.tiers.items()}
    found |= {f"function:{f}": h for f, h in args.functions.items()}
    if args.cdn is not None:
        found["cdn"] = args.cdn
    return pulumi.Output.all(**found, **extra)
