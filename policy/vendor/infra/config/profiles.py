# GENERATED from infra/config/profiles.py by `python -m infra policies --write-config`: do not edit (policy/vendor/README.md).
"""Environment profiles: what differs between dev, staging and prod, as data.

A profile is a partial configuration in the same shape as a stack file. The stack file is
deep-merged over it, so a stack can override any single value and the difference between
environments stays readable in one place.

- dev: cheapest that still exercises every path. Spot everywhere, GPU and memory tiers
  scale to zero (started on a weekday schedule, the signal that exists at zero instances),
  predictive scaling in forecast-only mode on the tiers that run (forecasts to review, no action),
  no NAT gateway, rejected-traffic flow logs sampled lightly, short log retention, nothing
  protected, and buckets destroyed with their objects (`pulumi destroy` of a dev or review stack
  must not stop at a non-empty log or media bucket); the WAF counts instead of blocking, audit
  logs and backups kept briefly, no backup lock (dev stacks are destroyed and recreated).
- staging: prod's shape at minimum size; on-demand compute, GPU on spot from zero (on a
  schedule), predictive scaling forecast-only like dev; the WAF counts, backups under a governance
  lock.
- prod: at least two instances per tier spread across zones, predictive scaling that scales
  out ahead of forecast load, CloudFront's additional metrics (cache hit rate), a NAT gateway
  per zone for egress, all-traffic flow logs, stateful resources protected and retained on delete,
  budget policy mandatory; the WAF blocks, audit logs kept a year and immutable, backups under a
  compliance-mode lock (irreversible after its cooling-off days), point-in-time restore where it
  is native.
"""

from __future__ import annotations

from typing import Any

# Scale-to-zero tiers run on weekdays for a window (~43 h and ~87 h a month).
WEEKDAYS_2H = {"days": "MON-FRI", "start_hour": 14, "end_hour": 16, "time_zone": "UTC"}
WEEKDAYS_4H = {"days": "MON-FRI", "start_hour": 9, "end_hour": 13, "time_zone": "UTC"}
# Rejected traffic only (AWS), 10-minute aggregation, 10% of flows (GCP), no extra metadata.
LIGHT_FLOW_LOGS = {"all_traffic": False, "interval_minutes": 10, "sampling": 0.1, "metadata": False}

PROFILES: dict[str, dict[str, Any]] = {
    "dev": {
        "protect_stateful": False,
        "force_destroy_buckets": True,
        "log_retention_days": 7,
        "cdn_price_class": "minimal",
        "autoscaling": {
            "compute": {"min": 1, "desired": 1, "max": 2, "capacity": "spot", "predictive": "forecast"},
            "gpu": {"min": 0, "desired": 0, "max": 1, "capacity": "spot", "schedule": WEEKDAYS_2H},
            "memory": {"min": 0, "desired": 0, "max": 1, "capacity": "spot", "schedule": WEEKDAYS_4H},
        },
        "network": {"nat_gateway": False, "zones": 2, "flow_logs": LIGHT_FLOW_LOGS},
        "functions": {"min_instances": 0},
        "budget": {"enforcement": "advisory"},
        "audit": {"retention_days": 90, "immutable": False},
        "waf": {"mode": "count"},
        "backup": {"retention_days": 7, "vault_lock": "none", "continuous": False},
    },
    "staging": {
        "protect_stateful": False,
        "force_destroy_buckets": False,
        "log_retention_days": 14,
        "cdn_price_class": "minimal",
        "autoscaling": {
            "compute": {"min": 1, "desired": 1, "max": 3, "capacity": "on-demand", "predictive": "forecast"},
            "gpu": {"min": 0, "desired": 0, "max": 2, "capacity": "spot", "schedule": WEEKDAYS_4H},
            "memory": {"min": 1, "desired": 1, "max": 2, "capacity": "on-demand", "predictive": "forecast"},
        },
        "network": {"nat_gateway": False, "zones": 2, "flow_logs": LIGHT_FLOW_LOGS},
        "functions": {"min_instances": 0},
        "budget": {"enforcement": "mandatory"},
        "audit": {"retention_days": 90, "immutable": False},
        "waf": {"mode": "count"},
        "backup": {"retention_days": 14, "vault_lock": "governance", "continuous": False},
    },
    "prod": {
        "protect_stateful": True,
        "force_destroy_buckets": False,
        "log_retention_days": 90,
        "cdn_price_class": "regional",
        "autoscaling": {
            "compute": {"min": 2, "desired": 2, "max": 8, "capacity": "on-demand", "predictive": "scale"},
            "gpu": {"min": 2, "desired": 2, "max": 4, "capacity": "spot", "predictive": "scale"},
            "memory": {"min": 2, "desired": 2, "max": 4, "capacity": "on-demand", "predictive": "scale"},
        },
        # CloudFront's cache hit rate is an additional (billed) metric: prod's dashboard shows it.
        "aws": {"cloudfront": {"additional_metrics": True}},
        "network": {
            "nat_gateway": True,
            "zones": 3,
            "flow_logs": {"all_traffic": True, "interval_minutes": 5, "sampling": 0.5, "metadata": False},
        },
        "functions": {"min_instances": 1},
        "budget": {"enforcement": "mandatory"},
        "audit": {"retention_days": 365, "immutable": True},
        "waf": {"mode": "block"},
        "backup": {"retention_days": 35, "vault_lock": "compliance", "continuous": True},
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
