"""Provider-neutral specs every provider's components take: buckets, tiers, functions, budgets.

Bucket classes, tier sizing, function selection and shared operational intent are decided
here once; each provider's package only maps these specs onto its own resources.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from infra.config import (
    FUNCTIONS_DIR,
    BucketClass,
    BucketClassSettings,
    Capacity,
    FunctionDefaults,
    FunctionSpec,
    PlatformConfig,
    PredictiveMode,
    Provider,
    Tier,
    TierScaling,
    naming,
    tree_digest,
)

# Shared operational intent, the same on every provider.
ABORT_MULTIPART_DAYS = 7  # incomplete multipart uploads are billed storage nobody can read
CORS_MAX_AGE_S = 3600  # browsers cache a CORS preflight for an hour
CPU_ALERT_PERCENT = 85  # alert on a tier's CPU above this (the autoscaler targets ~60%)
# Predictive scaling launches instances this long before the load it forecasts (instance warm-up).
PREDICTIVE_LEAD_MINUTES = 10

# Classes whose loss is a loss of data: versioned, protected in prod, retained on delete.
# Media is user content with no other copy (a CDN is a cache of it); caches are disposable.
STATEFUL_CLASSES = frozenset({BucketClass.artifacts, BucketClass.backups, BucketClass.media})

# The object every CDN origin serves for the edge's health monitor, created by the program in
# the bucket behind the CDN (a storage-backed CDN answers "/" with 403/404, never 2xx).
HEALTH_OBJECT_KEY = ".well-known/qmoi-health"
HEALTH_BODY = "ok\n"
HEALTH_CACHE_CONTROL = "no-cache, max-age=0"  # probes reach the origin, not a stale cached copy


@dataclass(frozen=True)
class BucketSpec:
    """One bucket class as every provider declares it."""

    bucket_class: BucketClass
    name: str
    settings: BucketClassSettings

    @property
    def stateful(self) -> bool:
        return self.bucket_class in STATEFUL_CLASSES

    @property
    def transitions(self) -> list[tuple[int, StorageTier]]:
        """The class intent as (age in days, tier) steps; each provider names its own tiers."""
        s = self.settings
        steps = [(s.infrequent_after_days, StorageTier.infrequent), (s.archive_after_days, StorageTier.archive)]
        return [(days, tier) for days, tier in steps if days]

    @property
    def noncurrent_days(self) -> int | None:
        """Days a non-current version is kept: at least the retention window; None when unversioned."""
        s = self.settings
        if not s.versioning:
            return None
        return max(filter(None, [s.noncurrent_expire_days, s.retention_days]), default=None)


class StorageTier(StrEnum):
    """Provider-neutral cold tiers (S3 STANDARD_IA/GLACIER, GCS NEARLINE/COLDLINE, Azure Cool/Cold)."""

    infrequent = "infrequent"
    archive = "archive"


def bucket_specs(
    base: str, names: naming.StackNames | str, classes: dict[BucketClass, BucketClassSettings]
) -> list[BucketSpec]:
    """One spec per class, named by the stack (`names`; an environment name means its own stack)."""
    scope = names if isinstance(names, naming.StackNames) else naming.StackNames(names, names)
    return [BucketSpec(c, scope.bucket(base, c.value), s) for c, s in classes.items()]


@dataclass(frozen=True)
class TierSpec:
    """One compute tier: its size and scaling in this environment."""

    tier: Tier
    size: str
    scaling: TierScaling

    @property
    def spot(self) -> bool:
        return self.scaling.capacity is Capacity.spot

    @property
    def predictive(self) -> PredictiveMode:
        """The tier's predictive scaling mode (validation keeps it off for a tier that can sit at zero)."""
        return self.scaling.predictive


def tier_specs(sizes: dict[Tier, str], scaling: dict[Tier, TierScaling]) -> list[TierSpec]:
    return [TierSpec(t, sizes[t], scaling[t]) for t in Tier]


@dataclass(frozen=True)
class FunctionPlan:
    """An enabled function with its settings resolved against the stack defaults."""

    name: str
    memory_mb: int
    timeout_s: int
    min_instances: int
    routes: tuple[str, ...]

    @property
    def source_dir(self) -> Path:
        return FUNCTIONS_DIR / self.name

    @property
    def slug(self) -> str:
        return naming.kebab(self.name)

    @property
    def source_digest(self) -> str:
        """A short hash of the handler folder, so a code change gives a new package name."""
        return tree_digest(self.source_dir)[:12]


def function_plans(functions: dict[str, FunctionSpec], defaults: FunctionDefaults) -> list[FunctionPlan]:
    return [
        FunctionPlan(
            name=name,
            memory_mb=spec.memory_mb or defaults.memory_mb,
            timeout_s=spec.timeout_s or defaults.timeout_s,
            min_instances=defaults.min_instances,
            routes=tuple(spec.routes),
        )
        for name, spec in functions.items()
        if spec.enabled
    ]


@dataclass(frozen=True)
class FunctionsArgs:
    """What every provider's functions component takes; providers extend it with their wiring."""

    functions: list[FunctionPlan]


@dataclass(frozen=True)
class BudgetArgs:
    """Provider-neutral budget intent; every provider's budget component takes it (or extends it)."""

    limit_usd: float
    forecast_percent: int
    actual_percent: int

    @classmethod
    def for_provider(cls, config: PlatformConfig, provider: Provider) -> BudgetArgs:
        """The provider's share of the stack budget, with the stack's alert thresholds."""
        return cls(
            limit_usd=config.budget_limits()[provider],
            forecast_percent=config.budget.forecast_alert_percent,
            actual_percent=config.budget.actual_alert_percent,
        )
