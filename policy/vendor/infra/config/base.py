# GENERATED from infra/config/base.py by `python -m infra policies --write-config`: do not edit (policy/vendor/README.md).
"""The building blocks of the platform configuration: enums, name types, cross-cutting settings.

Provider-neutral: the bucket classes, tiers and their scaling, budgets, tags, functions and
the catalog checks every provider block uses. `model.py` composes them with the provider
blocks (`providers.py`) into `PlatformConfig`.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from infra.catalog import Known, load_known
from infra.config import naming

NAMESPACE = "qmoi-cloud"
ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR = ROOT / "functions"


def tree_digest(folder: Path) -> str:
    """The sha256 of a folder's files (relative paths and contents, sorted), caches left out.

    One definition for every place that names code by its content: a function package's name
    (`components/specs.py`) and the digest the offline plan records for an archive, so the same
    commit gives the same digest in any checkout (`__pycache__` and `.pyc` files are not source).
    """
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


class ConfigError(Exception):
    """Every problem found in a configuration, one `key.path: message` per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


SHOWN_CHARS = 80


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """A value as an error message quotes it: its repr, cut short (a 100 KB value is not echoed whole)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 12]}… ({len(text):,} chars)"


class Environment(StrEnum):
    dev = "dev"
    staging = "staging"
    prod = "prod"


class Provider(StrEnum):
    aws = "aws"
    gcp = "gcp"
    azure = "azure"
    cloudflare = "cloudflare"
    digitalocean = "digitalocean"


# Cloudflare and DigitalOcean have no budget resource; their spend is checked by the cost
# model and the policy pack against the stack's total.
BUDGET_PROVIDERS = (Provider.aws, Provider.gcp, Provider.azure)


class Tier(StrEnum):
    compute = "compute"
    gpu = "gpu"
    memory = "memory"


class BucketClass(StrEnum):
    artifacts = "artifacts"
    caches = "caches"
    backups = "backups"
    media = "media"


class Capacity(StrEnum):
    on_demand = "on-demand"
    spot = "spot"


class CdnPriceClass(StrEnum):
    """Edge coverage, mapped per provider (CloudFront PriceClass_100/200/All, ...)."""

    minimal = "minimal"
    regional = "regional"
    all = "all"


class Enforcement(StrEnum):
    advisory = "advisory"
    mandatory = "mandatory"


class PredictiveMode(StrEnum):
    """Predictive scaling of a tier: none, forecasts only (to review), or forecasts that scale out ahead of load."""

    off = "off"
    forecast = "forecast"
    scale = "scale"


class Model(BaseModel):
    """Base of every config block: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True, allow_inf_nan=False
    )


def checked_name(problem: Any) -> AfterValidator:
    """Turn a `naming.*_problem` function into a field validator."""

    def check(value: str) -> str:
        reason = problem(value)
        if reason:
            raise ValueError(f"{shown(value)} is not valid: {reason}")
        return value

    return AfterValidator(check)


def _network(value: str) -> str:
    """A CIDR the clouds accept: real octets, and no host bits set (10.20.0.0/16, not 10.20.5.0/16)."""
    try:
        ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"{shown(value)} is not a network address: {exc}") from None
    return value


S3Name = Annotated[str, checked_name(naming.s3_bucket_problem)]
GcsName = Annotated[str, checked_name(naming.gcs_bucket_problem)]
R2Name = Annotated[str, checked_name(naming.r2_bucket_problem)]
Domain = Annotated[str, checked_name(naming.domain_problem)]
LabelValue = Annotated[str, checked_name(naming.label_value_problem)]
Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")]
Hex32 = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="32 lowercase hex digits")]
Cidr = Annotated[str, Field(pattern=r"^\d{1,3}(\.\d{1,3}){3}/(1[6-9]|2[0-4])$"), AfterValidator(_network)]
# A public address or range let through a firewall (a bare address is a /32).
IpRule = Annotated[str, Field(pattern=r"^\d{1,3}(\.\d{1,3}){3}(/\d{1,2})?$"), AfterValidator(_network)]
NonNegative = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]


# --- cross-cutting settings ---------------------------------------------------------


WEEKDAY = r"(MON|TUE|WED|THU|FRI|SAT|SUN)"
DAYS_PATTERN = rf"^{WEEKDAY}(-{WEEKDAY})?(,{WEEKDAY}(-{WEEKDAY})?)*$"
_WEEK = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
WEEKS_PER_MONTH = 52 / 12


class ScaleSchedule(Model):
    """When a tier that scales to zero runs: from `start_hour` to `end_hour` on `days`, in `time_zone`.

    CPU target tracking has no datapoint while no instance runs, so a tier with min 0 would
    never start on CPU alone; the schedule is the signal that exists at zero instances.
    """

    days: str = Field(default="MON-FRI", pattern=DAYS_PATTERN, description="Cron day-of-week field, e.g. MON-FRI.")
    start_hour: int = Field(default=9, ge=0, le=22, description="Hour the tier starts its instances.")
    end_hour: int = Field(default=11, ge=1, le=23, description="Hour it goes back to zero (same day).")
    time_zone: str = Field(default="UTC", pattern=r"^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$", description="IANA time zone.")
    instances: int = Field(default=1, ge=1, le=100, description="Instances kept running during the window.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end_hour <= self.start_hour:
            raise ValueError(f"end_hour must be after start_hour (got {self.start_hour} to {self.end_hour})")
        return self

    @property
    def weekdays(self) -> tuple[str, ...]:
        """The days the window opens on, MON..SUN order (`FRI-MON` wraps over the weekend): what providers
        that take a list of days (Azure autoscale) are given; cron-based ones take `days` as written."""
        days: set[str] = set()
        for part in self.days.split(","):
            first, _, last = part.partition("-")
            start, end = _WEEK.index(first), _WEEK.index(last or first)
            days |= {_WEEK[i % 7] for i in range(start, end + 1 if end >= start else end + 8)}
        return tuple(d for d in _WEEK if d in days)

    @property
    def days_per_week(self) -> int:
        return len(self.weekdays)

    @property
    def hours_per_month(self) -> float:
        """Instance-hours a month the schedule keeps running."""
        return self.days_per_week * (self.end_hour - self.start_hour) * WEEKS_PER_MONTH * self.instances

    def cron(self, hour: int) -> str:
        """The cron expression of `hour` on the schedule's days (minute 0)."""
        return f"0 {hour} * * {self.days}"


class TierScaling(Model):
    """Capacity of one tier in one environment (set by the profile, overridable)."""

    min: int = Field(ge=0, le=100, description="Minimum instances; 0 lets the tier scale to zero.")
    desired: int = Field(ge=0, le=100, description="Instances at deployment time.")
    max: int = Field(ge=1, le=100, description="Upper bound for the autoscaler.")
    capacity: Capacity = Field(default=Capacity.on_demand, description="spot or on-demand.")
    cpu_target_percent: int = Field(default=60, ge=10, le=95, description="Autoscaler CPU target.")
    busy_hours_per_month: float = Field(
        default=0,
        ge=0,
        le=730,
        description="For a tier with min 0: hours a month it runs one instance beyond its schedule (cost model).",
    )
    schedule: ScaleSchedule | None = Field(
        default=None,
        description="For a tier with min 0: when it runs (its scale-from-zero signal); required then.",
    )
    predictive: PredictiveMode = Field(
        default=PredictiveMode.off,
        description="Predictive scaling beside the CPU target: off, forecast (forecasts only, to review) or scale "
        "(scale out ahead of forecast load; scale-in stays with the CPU target). Needs min >= 1: forecasts are "
        "made from the tier's own CPU history.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.min <= self.desired <= self.max:
            raise ValueError(f"needs min <= desired <= max, got min={self.min}, desired={self.desired}, max={self.max}")
        if self.min == 0 and self.schedule is None:
            raise ValueError(
                "min 0 needs a signal that exists with no instance running: CPU target tracking has no "
                "datapoints at zero instances, so the tier would never start. Set schedule: {days: MON-FRI, "
                "start_hour: 9, end_hour: 11, time_zone: UTC} (when it runs), or min >= 1"
            )
        if self.schedule is not None and self.schedule.instances > self.max:
            raise ValueError(
                f"schedule.instances {self.schedule.instances} is more than max {self.max}: the window would ask "
                "for more instances than the group may hold; lower instances or raise max"
            )
        if self.min > 0 and self.schedule is not None:
            raise ValueError(
                "schedule is only for a tier with min 0 (the signal that starts it from zero); with min >= 1 "
                "set schedule: null (the environment profile gives one to its scale-to-zero tiers)"
            )
        if self.min == 0 and self.predictive is not PredictiveMode.off:
            raise ValueError(
                f"predictive: {self.predictive.value} needs min >= 1: forecasts are made from the tier's own CPU "
                "history (AWS 24 h, GCP 3 days, Azure 7 days of it), which a tier that sits at zero does not have; "
                "set predictive: off (the profile does for its scale-to-zero tiers) or min >= 1"
            )
        return self

    @property
    def busy_hours(self) -> float:
        """Hours a month a tier with min 0 runs one instance: its schedule, or more if usage says so."""
        scheduled = self.schedule.hours_per_month if self.schedule else 0.0
        return max(scheduled, self.busy_hours_per_month)


class Autoscaling(Model):
    compute: TierScaling
    """General-purpose tier."""
    gpu: TierScaling
    """GPU tier (inference, training); spot by default."""
    memory: TierScaling
    """Memory-optimised tier."""


class BucketClassSettings(Model):
    """Intent for one bucket class; each provider maps it to its own storage tiers."""

    versioning: bool = Field(description="Keep object versions (stateful classes).")
    encryption: bool = Field(default=True, description="Encryption at rest with a managed key; opt out only.")
    expire_days: int | None = Field(default=None, ge=1, description="Delete objects after N days.")
    infrequent_after_days: int | None = Field(
        default=None, ge=30, description="Move to the infrequent-access tier after N days (>= 30)."
    )
    archive_after_days: int | None = Field(default=None, ge=30, description="Move to archive after N days.")
    noncurrent_expire_days: int | None = Field(
        default=90, ge=1, description="Delete non-current versions after N days."
    )
    retention_days: int | None = Field(
        default=None, ge=1, le=3650, description="Soft-delete / retention window for deleted objects."
    )
    cors_origins: list[str] = Field(default_factory=list, description="Browser origins allowed; none by default.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        ia, arch, exp = self.infrequent_after_days, self.archive_after_days, self.expire_days
        if ia is not None and arch is not None and arch < ia + 30:
            raise ValueError("archive_after_days must be at least 30 days after infrequent_after_days")
        if exp is not None and arch is not None and exp <= arch:
            raise ValueError("expire_days must come after archive_after_days")
        return self


class Storage(Model):
    artifacts: BucketClassSettings = BucketClassSettings(versioning=True, noncurrent_expire_days=90)
    caches: BucketClassSettings = BucketClassSettings(versioning=False, expire_days=14, noncurrent_expire_days=None)
    backups: BucketClassSettings = BucketClassSettings(
        versioning=True,
        infrequent_after_days=30,
        archive_after_days=90,
        retention_days=30,
        noncurrent_expire_days=365,
    )
    # User content with no other copy (the CDN is a cache): versioned. It stays in the standard
    # class because a CDN reads it back on every cache miss (retrieval fees, minimum durations).
    media: BucketClassSettings = BucketClassSettings(versioning=True, noncurrent_expire_days=30)

    def classes(self) -> dict[BucketClass, BucketClassSettings]:
        return {c: getattr(self, c.value) for c in BucketClass}


class Budget(Model):
    monthly_usd: float = Field(gt=0, description="The stack's monthly spending limit, all providers.")
    alert_emails: list[Email] = Field(min_length=1, description="Who receives budget and alarm e-mails.")
    provider_limits: dict[Provider, Positive] = Field(
        default_factory=dict,
        description="Per-provider budget limits; by default the total split evenly among "
        "the enabled providers that have a budget resource (aws, gcp, azure).",
    )
    forecast_alert_percent: int = Field(default=80, ge=1, le=200)
    """Alert when the forecast reaches this % of a provider budget."""
    actual_alert_percent: int = Field(default=100, ge=1, le=200)
    """Alert when actual spend reaches this % of a provider budget."""
    enforcement: Enforcement = Field(default=Enforcement.mandatory, description="Budget policy level.")
    unpriced_allowance_usd: NonNegative | None = Field(
        default=None,
        description="What the stack accepts a month for charges the catalog cannot price (NOT PRICED), an "
        "assumption to check against the first invoices. Unset: while any charge is not priced, the cost "
        "cannot be shown within the budget and the budget rule fails at its level.",
    )


DERIVED_TAGS = ("environment", "stack", "project")  # tags every resource gets from the stack, not the stack file


class Tags(Model):
    """Required tags; `environment`, `stack` (the stack's name token) and `project` are added from the stack."""

    owner: LabelValue
    """Team that owns the stack (a valid GCP label value)."""
    cost_center: LabelValue = Field(alias="cost-center")
    """Cost center billed for the stack."""
    extra: dict[str, LabelValue] = Field(default_factory=dict)
    """More tags, on every taggable resource (not the ones the stack sets: environment, stack, project)."""

    @model_validator(mode="after")
    def _not_derived(self) -> Self:
        taken = sorted(set(self.extra) & {*DERIVED_TAGS, "owner", "cost-center"})
        if taken:
            raise ValueError(
                f"extra may not set {', '.join(taken)}: environment, stack and project come from the stack, "
                "owner and cost-center are keys of their own"
            )
        return self


# A stack that owns an account-wide singleton, or `*`: every stack (each has an account of its own).
StackName = Annotated[str, Field(pattern=r"^(\*|[A-Za-z0-9_.-]{1,100})$")]


class Alerts(Model):
    """Thresholds of the error-tracking alarms and the cost-anomaly alerts, the same on every cloud.

    Each alarm notifies the stack's alert channel (budget.alert_emails: the AWS topic, GCP e-mail
    channels, the Azure action group, Cloudflare notification e-mails, DigitalOcean app alerts).
    Windows are 5 minutes.
    """

    function_error_rate_percent: float = Field(default=5, gt=0, le=100)
    """Function errors as a share of invocations (AWS Lambda Errors/Invocations, GCP Cloud Run 5xx/requests)."""
    function_errors_per_5_minutes: int = Field(default=5, ge=1)
    """Counts where a cloud has no rate: Azure apps' requests/failed, DigitalOcean errors (per minute x 5)."""
    function_throttles_per_5_minutes: int = Field(default=1, ge=1)
    """Throttled invocations (AWS Lambda Throttles, GCP Cloud Run 429 responses)."""
    cdn_5xx_rate_percent: float = Field(default=5, gt=0, le=100)
    """CDN responses with 5xx as a share of requests (CloudFront 5xxErrorRate, Cloud CDN, Front Door Percentage5XX)."""
    origin_health_percent: float = Field(default=90, gt=0, le=100)
    """Alert when a CDN's origins are healthy less than this share of probes (Front Door OriginHealthPercentage)."""
    cost_anomaly_usd: float = Field(default=50, gt=0)
    """AWS Cost Anomaly Detection: alert on anomalies whose total impact reaches this many dollars."""
    cost_anomaly_owner: StackName = "prod"
    """The stack that declares the Azure subscription's cost anomaly alert (subscription-wide, so one per
    subscription; '*' when every stack has a subscription of its own)."""
    error_rate_min_requests: int = Field(default=20, ge=1)
    """Error-rate alarms fire only with at least this many invocations/requests in the window (AWS, GCP)."""


class FlowLogs(Model):
    """VPC flow logs (AWS: to the access-log bucket; GCP: subnetwork logs to Cloud Logging)."""

    all_traffic: bool = Field(default=False, description="AWS: record accepted traffic too (ALL), not only REJECT.")
    interval_minutes: Literal[1, 5, 10] = Field(
        default=10, description="Aggregation interval (AWS: 1 or 10 minutes, 5 counts as 10; GCP: 1, 5 or 10)."
    )
    sampling: float = Field(default=0.1, gt=0, le=1, description="GCP: share of flows recorded (AWS records all).")
    metadata: bool = Field(default=False, description="GCP: include all metadata fields (larger records).")


class Network(Model):
    nat_gateway: bool = Field(default=False, description="Managed NAT for outbound traffic from tiers.")
    zones: int = Field(default=2, ge=2, le=3, description="Availability zones the tiers span.")
    flow_logs: FlowLogs = FlowLogs()


class FunctionDefaults(Model):
    memory_mb: int = Field(default=256, ge=128, le=4096)
    """Memory of a function unless its entry says otherwise."""
    timeout_s: int = Field(default=30, ge=1, le=900)
    """Timeout of a function unless its entry says otherwise."""
    min_instances: int = Field(default=0, ge=0, le=10, description="Warm instances (0 = scale to zero).")


def _default_storage_gb() -> dict[BucketClass, float]:
    return {BucketClass.artifacts: 50, BucketClass.caches: 20, BucketClass.backups: 200, BucketClass.media: 100}


class Usage(Model):
    """Usage assumptions for the cost model (like Infracost usage files)."""

    hours_per_month: float = Field(default=730, gt=0, le=744)
    """Hours an always-on instance runs in a month."""
    storage_gb: dict[BucketClass, NonNegative] = Field(default_factory=_default_storage_gb)
    """GB stored per bucket class; a class not named keeps its default."""
    function_requests_millions: float = Field(default=1.0, ge=0, description="Per function, per month.")
    function_avg_duration_ms: float = Field(default=200, gt=0)
    """Average duration of one function invocation."""
    cdn_egress_gb: float = Field(default=100, ge=0, description="Per CDN, per month.")
    nat_processed_gb: float = Field(default=50, ge=0, description="Per NAT gateway, per month.")
    log_storage_gb: float = Field(default=10, ge=0, description="GB kept in each access-log bucket.")
    flow_log_gb: float = Field(default=5, ge=0, description="GB of VPC flow-log records per network, per month.")
    audit_log_gb: float = Field(
        default=5, ge=0, description="GB kept in each audit-log bucket (trail, sink, AWS Config history)."
    )
    waf_requests_millions: float = Field(
        default=10, ge=0, description="Millions of requests a month each web ACL / WAF policy inspects."
    )
    aws_config_items: float = Field(
        default=2000, ge=0, description="Configuration items AWS Config records a month (resource changes)."
    )
    storage_horizon_days: int = Field(
        default=365,
        ge=30,
        le=3650,
        description="Age of the oldest object in a class without expiry; with a steady write rate it sets "
        "the share of each storage tier (e.g. archive after 90 days: (365-90)/365 of the GB is archived).",
    )
    function_requests: dict[str, NonNegative] = Field(
        default_factory=dict,
        description="Millions of requests a month for named functions (config key), overriding "
        "function_requests_millions.",
    )


# --- functions ----------------------------------------------------------------------


class FunctionSpec(Model):
    enabled: bool = True
    memory_mb: int | None = Field(default=None, ge=128, le=4096)
    timeout_s: int | None = Field(default=None, ge=1, le=900)
    routes: list[str] = Field(default_factory=list, description="Edge routes (Cloudflare Workers).")


def _function_flag(value: Any) -> Any:
    return {"enabled": value} if isinstance(value, bool) else value


def _function_names_valid(functions: dict[str, FunctionSpec]) -> dict[str, FunctionSpec]:
    problems = [f"{name!r}: {reason}" for name in functions if (reason := naming.function_name_problem(name))]
    if problems:
        raise ValueError("; ".join(problems))
    return functions


def missing_handlers(functions: dict[str, FunctionSpec], key: str) -> list[str]:
    """Enabled functions without a handler folder (checked only for enabled providers).

    Only where the program's files are: the policy pack carries a copy of this package without
    them (policy/vendor), and the program checks its own handlers when it runs.
    """
    if not FUNCTIONS_DIR.is_dir():
        return []
    known = sorted(p.name for p in FUNCTIONS_DIR.iterdir() if p.is_dir() and not p.name.startswith("_"))
    return [
        f"{key}.{name}: no handler folder functions/{name}/ (known: {', '.join(known)})"
        for name, spec in functions.items()
        if spec.enabled and not (FUNCTIONS_DIR / name).is_dir()
    ]


Functions = Annotated[
    dict[str, Annotated[FunctionSpec, BeforeValidator(_function_flag)]],
    AfterValidator(_function_names_valid),
]


class Cdn(Model):
    enabled: bool = True
    domains: list[Domain] = Field(default_factory=list, description="Custom domains served by the CDN.")


# --- instance sizes and regions, checked against the complete lists --------------------


@dataclass(frozen=True)
class TierMachine:
    """What one instance of a tier is, on any provider: a size, plus attached accelerators (GCP)."""

    size: str
    accelerators: tuple[tuple[str, int], ...] = ()


class Tiers(Model):
    """One instance size per tier; each must be a size the provider has (see infra/catalog/known.json)."""

    compute: str
    """Size of the compute tier."""
    gpu: str
    """Size of the gpu tier (must have a GPU)."""
    memory: str
    """Size of the memory tier."""

    def sizes(self) -> dict[Tier, str]:
        return {t: getattr(self, t.value) for t in Tier}

    def machines(self) -> dict[Tier, TierMachine]:
        return {t: TierMachine(size) for t, size in self.sizes().items()}


def not_known(path: str, value: str, what: str, candidates: Iterable[str]) -> str:
    """`path: 'value' is not a <what>`, with the nearest valid names when some are close."""
    near = Known.suggest(value, candidates)
    hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
    return f"{path}: {value!r} is not {what}{hint}"


def size_problems(provider: Provider, tiers: Tiers, key: str) -> list[str]:
    """Every tier size that does not exist, and a GPU tier whose size is known to have no GPU.

    Existence only: a size that exists but has no price in the region is not a configuration
    problem; the cost model reports it as not priced (or uses a price from the `pricing` block).
    """
    known = load_known()
    lists = known.lists(provider.value)
    problems = []
    for tier, size in tiers.sizes().items():
        spec = known.size(provider.value, size)
        if spec is None:
            candidates = lists.sizes if lists else ()
            problems.append(not_known(f"{key}.{tier.value}", size, f"an instance size of {provider.value}", candidates))
        elif tier is Tier.gpu and spec.without_gpu:
            problems.append(f"{key}.gpu: {size!r} has no GPU; the gpu tier needs a GPU size")
    return problems


def region_problem(provider: Provider, region: str, key: str, extra: Iterable[str] = ()) -> str | None:
    """A region the provider does not have (with the nearest names); None when it exists."""
    lists = load_known().lists(provider.value)
    regions = {*(lists.regions if lists else ()), *extra}
    if region in regions:
        return None
    return not_known(key, region, f"a region of {provider.value}", regions)


# --- user-supplied prices -----------------------------------------------------------


PricedService = Literal[
    "instance",
    "accelerator",
    "storage",
    "disk",
    "function",
    "cdn",
    "lb",
    "nat",
    "kms",
    "monitoring",
    "network",
    "platform",
    "security",
    "backup",
    "logging",
]


class PriceOverride(Model):
    """One price the catalog lacks or that differs for you (a negotiated rate, a private offer,
    a region the catalog does not price). Reports show it as user-supplied, with the note."""

    provider: Provider
    service: PricedService
    """The catalog's service: instance, accelerator, storage, disk, function, cdn, lb, nat, kms, monitoring, ..."""
    sku: str = Field(min_length=1, description="Instance size, storage class or the catalog's SKU (e.g. gateway-hour).")
    region: str = Field(default="global", description="The region it applies to; `global` for every region.")
    usd: float = Field(ge=0, description="Price per unit, in the catalog's unit for that SKU (hourly for instances).")
    spot_usd: float | None = Field(default=None, ge=0, description="Spot price per unit, where it applies.")
    note: str = Field(min_length=3, description="Where the price comes from (shown in every report).")


class Pricing(Model):
    overrides: list[PriceOverride] = Field(default_factory=list)
    """Prices supplied by you, each replacing (or adding) the catalog row of the same provider,
    service, SKU and region."""

    def problems(self) -> list[str]:
        """Duplicate overrides, and instance sizes that do not exist."""
        problems = []
        seen: set[tuple[str, str, str, str]] = set()
        known = load_known()
        for i, o in enumerate(self.overrides):
            key = (o.provider.value, o.service, o.sku, o.region)
            if key in seen:
                problems.append(f"pricing.overrides[{i}]: a second price for {' '.join(key)}")
            seen.add(key)
            lists = known.lists(o.provider.value)
            if o.service == "instance" and lists is not None and o.sku not in lists.sizes:
                what = f"an instance size of {o.provider.value}"
                problems.append(not_known(f"pricing.overrides[{i}].sku", o.sku, what, lists.sizes))
        return problems
