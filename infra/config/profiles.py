"""Environment profiles: what differs between dev, staging and prod, as data.

A profile is a partial configuration in the same shape as a stack file. The stack file is
deep-merged over it, so a stack can override any single value and the difference between
environments stays readable in one place.

- dev: cheapest that still exercises every path. Spot everywhere, GPU and memory tiers
  scale to zero, no NAT gateway, short log retention, nothing protected.
- staging: prod's shape at minimum size; on-demand compute, GPU on spot from zero.
- prod: at least two instances per tier spread across zones, NAT for egress, stateful
  resources protected and retained on delete, budget policy mandatory.
"""

from __future__ import annotations

from typing import Any

PROFILES: dict[str, dict[str, Any]] = {
    "dev": {
        "protect_stateful": False,
        "log_retention_days": 7,
        "cdn_price_class": "minimal",
        "autoscaling": {
            "compute": {"min": 1, "desired": 1, "max": 2, "capacity": "spot"},
            "gpu": {"min": 0, "desired": 0, "max": 1, "capacity": "spot", "busy_hours_per_month": 40},
            "memory": {"min": 0, "desired": 0, "max": 1, "capacity": "spot", "busy_hours_per_month": 80},
        },
        "network": {"nat_gateway": False, "zones": 2},
        "functions": {"min_instances": 0},
        "budget": {"enforcement": "advisory"},
    },
    "staging": {
        "protect_stateful": False,
        "log_retention_days": 14,
        "cdn_price_class": "minimal",
        "autoscaling": {
            "compute": {"min": 1, "desired": 1, "max": 3, "capacity": "on-demand"},
            "gpu": {"min": 0, "desired": 0, "max": 2, "capacity": "spot", "busy_hours_per_month": 80},
            "memory": {"min": 1, "desired": 1, "max": 2, "capacity": "on-demand"},
        },
        "network": {"nat_gateway": False, "zones": 2},
        "functions": {"min_instances": 0},
        "budget": {"enforcement": "mandatory"},
    },
    "prod": {
        "protect_stateful": True,
        "log_retention_days": 90,
        "cdn_price_class": "regional",
        "autoscaling": {
            "compute": {"min": 2, "desired": 2, "max": 8, "capacity": "on-demand"},
            "gpu": {"min": 2, "desired": 2, "max": 4, "capacity": "spot"},
            "memory": {"min": 2, "desired": 2, "max": 4, "capacity": "on-demand"},
        },
        "network": {"nat_gateway": True, "zones": 3},
        "functions": {"min_instances": 1},
        "budget": {"enforcement": "mandatory"},
    },
}


def profile(environment: str) -> dict[str, Any]:
    """The profile of one environment (an unknown environment is reported by validation)."""
    return PROFILES.get(environment, {})


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`override` over `base`, recursively for mappings; lists and scalars are replaced."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
