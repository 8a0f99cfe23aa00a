"""The platform configuration: one typed, validated model for all five providers.

The only module that reads configuration. A stack file (`Pulumi.<stack>.yaml`) holds the
documented shape under the `qmoi-cloud:` namespace, one key per block (`qmoi-cloud:aws`,
`qmoi-cloud:gcp`, ...). The environment profile (`stacks/profiles.py`) is merged under it,
then pydantic validates everything at once; `ConfigError` lists every problem with its key
path, the bad value and what is allowed. Nothing is deployed from an invalid configuration.

Sizes and regions are checked against the pricing catalog, so every size the platform can
deploy is one the cost model can price.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from infra import naming
from infra.pricing import load_catalog

if TYPE_CHECKING:
    import pulumi

NAMESPACE = "qmoi-cloud"
ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = ROOT / "functions"


class ConfigError(Exception):
    """Every problem found in a configuration, one `key.path: message` per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


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


class Model(BaseModel):
    """Base of every config block: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True)


def _checked(problem: Any) -> AfterValidator:
    """Turn a `naming.*_problem` function into a field validator."""

    def check(value: str) -> str:
        reason = problem(value)
        if reason:
            raise ValueError(f"{value!r} is not valid: {reason}")
        return value

    return AfterValidator(check)


S3Name = Annotated[str, _checked(naming.s3_bucket_problem)]
GcsName = Annotated[str, _checked(naming.gcs_bucket_problem)]
R2Name = Annotated[str, _checked(naming.r2_bucket_problem)]
Domain = Annotated[str, _checked(naming.domain_problem)]
LabelValue = Annotated[str, _checked(naming.label_value_problem)]
Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")]
Hex32 = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="32 lowercase hex digits")]
Cidr = Annotated[str, Field(pattern=r"^\d{1,3}(\.\d{1,3}){3}/(1[6-9]|2[0-4])$")]


# --- cross-cutting settings ---------------------------------------------------------


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
        description="For a tier with min 0: hours a month it runs one instance (cost model).",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.min <= self.desired <= self.max:
            raise ValueError(f"needs min <= desired <= max, got min={self.min}, desired={self.desired}, max={self.max}")
        return self


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
    media: BucketClassSettings = BucketClassSettings(versioning=False, infrequent_after_days=60)

    def classes(self) -> dict[BucketClass, BucketClassSettings]:
        return {c: getattr(self, c.value) for c in BucketClass}


class Budget(Model):
    monthly_usd: float = Field(gt=0, description="The stack's monthly spending limit, all providers.")
    alert_emails: list[Email] = Field(min_length=1, description="Who receives budget and alarm e-mails.")
    provider_limits: dict[Provider, float] = Field(
        default_factory=dict,
        description="Per-provider budget limits; by default the total split evenly among "
        "the enabled providers that have a budget resource (aws, gcp, azure).",
    )
    forecast_alert_percent: int = Field(default=80, ge=1, le=200)
    """Alert when the forecast reaches this % of a provider budget."""
    actual_alert_percent: int = Field(default=100, ge=1, le=200)
    """Alert when actual spend reaches this % of a provider budget."""
    enforcement: Enforcement = Field(default=Enforcement.mandatory, description="Budget policy level.")


class Tags(Model):
    """Required tags; `environment` and `project` are added from the stack."""

    owner: LabelValue
    """Team that owns the stack (a valid GCP label value)."""
    cost_center: LabelValue = Field(alias="cost-center")
    """Cost center billed for the stack."""
    extra: dict[str, LabelValue] = Field(default_factory=dict)
    """More tags, on every taggable resource."""


class Network(Model):
    nat_gateway: bool = Field(default=False, description="Managed NAT for outbound traffic from tiers.")
    zones: int = Field(default=2, ge=2, le=3, description="Availability zones the tiers span.")


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
    storage_gb: dict[BucketClass, float] = Field(default_factory=_default_storage_gb)
    function_requests_millions: float = Field(default=1.0, ge=0, description="Per function, per month.")
    function_avg_duration_ms: float = Field(default=200, gt=0)
    """Average duration of one function invocation."""
    cdn_egress_gb: float = Field(default=100, ge=0, description="Per CDN, per month.")
    nat_processed_gb: float = Field(default=50, ge=0, description="Per NAT gateway, per month.")
    log_storage_gb: float = Field(default=10, ge=0, description="GB kept in each access-log bucket.")
    storage_horizon_days: int = Field(
        default=365,
        ge=30,
        le=3650,
        description="Age of the oldest object in a class without expiry; with a steady write rate it sets "
        "the share of each storage tier (e.g. archive after 90 days: (365-90)/365 of the GB is archived).",
    )
    function_requests: dict[str, float] = Field(
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


def _missing_handlers(functions: dict[str, FunctionSpec], key: str) -> list[str]:
    """Enabled functions without a handler folder (checked only for enabled providers)."""
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


# --- instance sizes, checked against the pricing catalog ----------------------------


class Tiers(Model):
    """One instance size per tier; the sizes must be in the pricing catalog."""

    compute: str
    """Size of the compute tier."""
    gpu: str
    """Size of the gpu tier (must have a GPU)."""
    memory: str
    """Size of the memory tier."""

    def sizes(self) -> dict[Tier, str]:
        return {t: getattr(self, t.value) for t in Tier}


def _size_problems(provider: Provider, region: str, tiers: Tiers, key: str) -> list[str]:
    """Every tier size that the catalog does not know in `region`, or a GPU tier without a GPU."""
    catalog = load_catalog()
    problems = []
    for tier, size in tiers.sizes().items():
        row = catalog.instance(provider.value, size, region)
        if row is None:
            known = sorted(catalog.skus(provider.value, "instance", region))
            problems.append(
                f"{key}.{tier.value}: {size!r} is not a {provider.value} size the project knows in "
                f"{region} (known: {', '.join(known) or 'none in this region'})"
            )
        elif tier is Tier.gpu and not row.gpu:
            problems.append(f"{key}.gpu: {size!r} has no GPU; the gpu tier needs a GPU size")
    return problems


def _region_problem(provider: Provider, region: str, key: str) -> str | None:
    regions = {r.region for r in load_catalog() if r.provider == provider.value and r.service == "instance"}
    if region not in regions:
        known = ", ".join(sorted(regions))
        return f"{key}: {region!r} is not a {provider.value} region the pricing catalog covers (known: {known})"
    return None


# --- provider blocks -----------------------------------------------------------------


class ProviderBlock(Model):
    FUNCTIONS_KEY: ClassVar[str] = ""

    enabled: bool = False
    """Declare this provider in the stack (its SDK is imported only then)."""
    budget_usd: float | None = Field(default=None, gt=0, description="Overrides this provider's budget share.")

    def catalog_problems(self, key: str) -> list[str]:
        return []


class AwsNetwork(Model):
    cidr: Cidr = "10.20.0.0/16"
    """VPC address range (/16-/24)."""
    ssm_endpoints: bool | None = Field(
        default=None, description="Interface endpoints for SSM; by default only where there is no NAT."
    )


class CloudFront(Cdn):
    pass


class Aws(ProviderBlock):
    FUNCTIONS_KEY: ClassVar[str] = "lambda_functions"

    region: str = "us-east-1"
    """AWS region (must be in the pricing catalog)."""
    s3_bucket: S3Name = "qmoi-cloud-storage"
    ec2_instances: Tiers = Tiers(compute="t3.xlarge", gpu="g4dn.xlarge", memory="r5.xlarge")
    lambda_functions: Functions = Field(default_factory=dict)
    """Lambda functions: name -> true/false or {enabled, memory_mb, timeout_s}; code in functions/<name>/."""
    cloudfront: CloudFront = CloudFront(enabled=False)
    """CloudFront in front of the media bucket."""
    network: AwsNetwork = AwsNetwork()

    def catalog_problems(self, key: str) -> list[str]:
        region = _region_problem(Provider.aws, self.region, f"{key}.region")
        if region:
            return [region]
        return _size_problems(Provider.aws, self.region, self.ec2_instances, f"{key}.ec2_instances")


class GcpMachine(Model):
    """A machine type, plus an accelerator for GPU tiers (GCP attaches GPUs separately)."""

    machine_type: str
    """Machine type, e.g. n1-standard-8 (must be in the pricing catalog)."""
    accelerator: str | None = Field(default=None, description="e.g. nvidia-tesla-t4 (n1) or nvidia-l4 (g2).")
    accelerator_count: int = Field(default=1, ge=1, le=8)


def _gcp_machine(value: Any) -> Any:
    if isinstance(value, str):
        if value.endswith("-gpu"):
            raise ValueError(
                f"{value!r} is not a GCP machine type: a GPU on GCP is a machine type plus an "
                f"accelerator, e.g. {{machine_type: {value.removesuffix('-gpu')}, accelerator: "
                "nvidia-tesla-t4, accelerator_count: 1}"
            )
        return {"machine_type": value}
    return value


GcpMachineField = Annotated[GcpMachine, BeforeValidator(_gcp_machine)]


class GcpTiers(Model):
    """The seed document names the compute tier `cpu`; `compute` is accepted too."""

    compute: GcpMachineField = Field(alias="cpu")
    gpu: GcpMachineField
    memory: GcpMachineField

    def machines(self) -> dict[Tier, GcpMachine]:
        return {t: getattr(self, t.value) for t in Tier}


class GcpNetwork(Model):
    cidr: Cidr = "10.30.0.0/20"


# Cloud Storage soft delete keeps deleted objects for 7 to 90 days (0 turns it off).
GCS_SOFT_DELETE_DAYS = (7, 90)


class Gcp(ProviderBlock):
    FUNCTIONS_KEY: ClassVar[str] = "cloud_functions"

    project_id: Annotated[str, _checked(naming.gcp_project_problem)] = "qmoi-enhanced"
    """GCP project id (6-30 chars)."""
    region: str = "us-central1"
    """GCP region (must be in the pricing catalog)."""
    storage_bucket: GcsName = "qmoi-cloud-storage"
    """Base name of the buckets: <storage_bucket>-<env>-<class>."""
    billing_account: str | None = Field(
        default=None,
        pattern=r"^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$",
        description="Billing account id (XXXXXX-XXXXXX-XXXXXX) for the budget.",
    )
    compute_instances: GcpTiers = GcpTiers(
        compute=GcpMachine(machine_type="n1-standard-8"),
        gpu=GcpMachine(machine_type="n1-standard-4", accelerator="nvidia-tesla-t4"),
        memory=GcpMachine(machine_type="n1-highmem-16"),
    )
    cloud_functions: Functions = Field(default_factory=dict)
    """2nd-gen Cloud Functions: name -> true/false or settings; code in functions/<name>/."""
    cdn: Cdn = Cdn(enabled=False)
    network: GcpNetwork = GcpNetwork()
    cmek: bool = Field(
        default=False,
        description="Customer-managed KMS key (rotated every 90 days) for buckets and boot disks; "
        "Google-managed encryption at rest applies either way.",
    )

    def catalog_problems(self, key: str) -> list[str]:
        region = _region_problem(Provider.gcp, self.region, f"{key}.region")
        if region:
            return [region]
        catalog = load_catalog()
        machines = self.compute_instances.machines()
        tiers = Tiers(**{t.value: m.machine_type for t, m in machines.items()})
        problems = [
            p
            for p in _size_problems(Provider.gcp, self.region, tiers, f"{key}.compute_instances")
            if not (p.endswith("needs a GPU size") and machines[Tier.gpu].accelerator)
        ]
        for tier, machine in machines.items():
            if machine.accelerator and catalog.price("gcp", "accelerator", machine.accelerator, self.region) is None:
                known = sorted(catalog.skus("gcp", "accelerator", self.region))
                problems.append(
                    f"{key}.compute_instances.{tier.value}.accelerator: {machine.accelerator!r} is not "
                    f"an accelerator the project knows in {self.region} (known: {', '.join(known)})"
                )
        return problems

    @model_validator(mode="after")
    def _billing_when_enabled(self) -> Self:
        if self.enabled and self.billing_account is None:
            raise ValueError("billing_account is required when gcp is enabled (the budget is set on it)")
        if self.enabled and self.cdn.enabled and not self.cdn.domains:
            raise ValueError("cdn.domains needs at least one domain when the gcp cdn is enabled (managed certificate)")
        return self


class AzureNetwork(Model):
    cidr: Cidr = "10.40.0.0/16"
    storage_ip_rules: list[Annotated[str, Field(pattern=r"^\d{1,3}(\.\d{1,3}){3}(/\d{1,2})?$")]] = Field(
        default_factory=list,
        description="Public IPs/CIDRs (the deployer, CI) let through the storage firewall; default: none.",
    )


# Sizes Azure has retired: the catalog cannot know them, so say what happened and what to use.
RETIRED_AZURE_SIZES = {
    size: "the NCv3 series (NVIDIA V100) was retired on 2025-09-30; use Standard_NC4as_T4_v3 (1x T4) "
    "or Standard_NC8as_T4_v3 instead"
    for size in ("Standard_NC6s_v3", "Standard_NC12s_v3", "Standard_NC24s_v3", "Standard_NC24rs_v3")
}


class Azure(ProviderBlock):
    FUNCTIONS_KEY: ClassVar[str] = "functions"

    subscription_id: str = Field(
        default="00000000-0000-0000-0000-000000000000",
        description="The subscription GUID, e.g. 0b1f6471-1bf0-4dda-aec3-111122223333.",
    )
    region: str = "eastus"
    """Azure region (must be in the pricing catalog)."""
    storage_account: Annotated[str, _checked(naming.azure_storage_account_problem)] = "qmoistorage"
    """Base of the storage account name; the stack appends its environment (<= 24 chars in all)."""
    container: Annotated[str, _checked(naming.azure_container_problem)] = "qmoi-artifacts"
    """Container of the artifacts class; the other classes are <container>-<class>."""
    virtual_machines: Tiers = Tiers(compute="Standard_D8s_v3", gpu="Standard_NC4as_T4_v3", memory="Standard_E16s_v3")
    functions: Functions = Field(default_factory=dict)
    """Function Apps: name -> true/false or settings; code in functions/<name>/."""
    cdn: Cdn = Cdn(enabled=False)
    """Front Door Standard in front of the media container."""
    network: AzureNetwork = AzureNetwork()
    admin_username: str = Field(default="qmoiadmin", pattern=r"^[a-z][a-z0-9_-]{2,31}$")
    """Linux admin user of the scale sets (SSH keys only)."""
    ssh_public_keys: list[
        Annotated[str, Field(pattern=r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256) [A-Za-z0-9+/=]+( .*)?$")]
    ] = Field(default_factory=list, description="OpenSSH public keys for the scale sets (no passwords).")

    @field_validator("subscription_id")
    @classmethod
    def _subscription_is_guid(cls, sub: str) -> str:
        if not re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", sub.lower()):
            raise ValueError(
                f"{sub!r} is not a subscription id: it must be a GUID such as "
                "0b1f6471-1bf0-4dda-aec3-111122223333 (az account show --query id)"
            )
        return sub

    def catalog_problems(self, key: str) -> list[str]:
        region = _region_problem(Provider.azure, self.region, f"{key}.region")
        if region:
            return [region]
        retired = {t: s for t, s in self.virtual_machines.sizes().items() if s in RETIRED_AZURE_SIZES}
        problems = [
            f"{key}.virtual_machines.{t.value}: {s!r} cannot be deployed: {RETIRED_AZURE_SIZES[s]}"
            for t, s in retired.items()
        ]
        return problems + [
            p
            for p in _size_problems(Provider.azure, self.region, self.virtual_machines, f"{key}.virtual_machines")
            if not any(p.startswith(f"{key}.virtual_machines.{t.value}:") for t in retired)
        ]

    @model_validator(mode="after")
    def _keys_when_enabled(self) -> Self:
        if self.enabled and not self.ssh_public_keys:
            raise ValueError("ssh_public_keys needs at least one key when azure is enabled (password login is off)")
        return self


class CloudflareZone(Model):
    name: Domain
    zone_id: Hex32
    hostnames: list[Domain] = Field(
        default_factory=list,
        description="Hostnames in this zone served through the edge: proxied CNAMEs to the load balancer hostname.",
    )


# Cloudflare load-balancing regions (region_pools keys).
CLOUDFLARE_LB_REGIONS = ("WNAM", "ENAM", "WEU", "EEU", "NSAM", "SSAM", "OC", "ME", "NAF", "SAF", "SAS", "SEAS", "NEAS")
# Origins the edge can put in front of (Cloudflare itself is the edge).
ORIGIN_PROVIDERS = (Provider.aws, Provider.gcp, Provider.azure, Provider.digitalocean)


class LoadBalancer(Model):
    enabled: bool = True
    hostname: Domain | None = Field(
        default=None, description="Platform hostname; default: app.<first zone> in prod, app-<env>.<first zone> else."
    )
    failover_order: list[Provider] = Field(
        default_factory=list, description="Origin pools in failover order; default: enabled clouds in config order."
    )
    steering: Literal["off", "geo", "random", "dynamic_latency"] = "off"
    """How the load balancer picks a pool."""
    geo: dict[str, list[Provider]] = Field(default_factory=dict, description="Region code -> pools, for geo steering.")
    health_path: str = Field(default="/", pattern=r"^/[A-Za-z0-9._~/-]*$", description="HTTPS health check path.")
    expected_codes: str = Field(default="2xx", pattern=r"^[1-5]([0-9]{2}|xx)$", description="e.g. 200 or 2xx.")


SecretBindingName = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{0,63}$")]


class Cloudflare(ProviderBlock):
    FUNCTIONS_KEY: ClassVar[str] = "workers"

    account_id: Hex32 = "0" * 32
    zones: list[CloudflareZone] = Field(default_factory=list)
    """Zones managed here: [{name, zone_id, hostnames}]."""
    r2_bucket: R2Name = "qmoi-cloud-storage"
    r2_location: Literal["wnam", "enam", "weur", "eeur", "apac", "oc"] | None = None
    r2_jurisdiction: Literal["default", "eu", "fedramp"] = "default"
    workers: Functions = Field(default_factory=dict)
    """Workers: name -> true/false or {routes}; script in functions/<name>/worker.js."""
    secret_bindings: dict[str, list[SecretBindingName]] = Field(
        default_factory=dict,
        description="Worker -> names of its secret_text bindings; the values come only from the secret "
        f"config key {NAMESPACE}:worker_secrets ({{worker: {{NAME: value}}}}).",
    )
    load_balancer: LoadBalancer = LoadBalancer(enabled=False)

    def zone_of(self, hostname: str) -> CloudflareZone | None:
        """The configured zone a hostname belongs to (the longest matching zone name)."""
        matches = [z for z in self.zones if hostname == z.name or hostname.endswith(f".{z.name}")]
        return max(matches, key=lambda z: len(z.name), default=None)

    def lb_hostname(self, environment: str) -> str | None:
        if self.load_balancer.hostname or not self.zones:
            return self.load_balancer.hostname
        prefix = "app" if environment == Environment.prod else f"app-{environment}"
        return f"{prefix}.{self.zones[0].name}"


# Regions that sell GPU Droplets. docs.digitalocean.com/products/droplets/details/gpu-availability,
# as quoted in a public pricing collector (read 2026-09-11): "NVIDIA H100 GPU Droplets are available
# in New York (NYC2), Amsterdam (AMS3), and Toronto (TOR1)"; two independent GPU Droplet guides
# (2025-2026) name NYC2, ATL1 and TOR1; the SkyPilot DO catalog (commit 1fbe7331) prices the H100
# plans in tor1. Not every GPU plan is sold in each of them: `doctl compute size list` is the truth.
DIGITALOCEAN_GPU_REGIONS = ("ams3", "atl1", "nyc2", "tor1")
DoRegion = Annotated[str, Field(pattern=r"^[a-z]{3}[0-9]$", description="A datacenter slug such as nyc3 or tor1.")]


class AppSource(Model):
    """The repository App Platform builds the functions from (DigitalOcean's GitHub app must reach it)."""

    repo: str = Field(default="qmoi/qmoi-cloud", pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
    branch: str = Field(default="main", pattern=r"^[A-Za-z0-9._/-]+$")
    deploy_on_push: bool = Field(default=False, description="Redeploy on every push to the branch.")


class DigitalOcean(ProviderBlock):
    """DigitalOcean: Spaces, a VPC, droplet autoscale pools, App Platform functions, monitoring.

    `region` holds Spaces, the VPC, the app and the CPU tiers. GPU Droplets are sold in only a
    few datacenters, so the gpu tier's pool runs in `gpu_region` (with its own VPC there);
    `gpu_region: null` puts it in `region`, which then must be a GPU region.
    """

    FUNCTIONS_KEY: ClassVar[str] = "functions"
    CREDENTIAL_KEYS: ClassVar[dict[str, str]] = {
        "token": "token",
        "spaces_access_id": "spacesAccessId",
        "spaces_secret_key": "spacesSecretKey",
    }

    region: DoRegion = "nyc3"
    gpu_region: DoRegion | None = Field(default="tor1", description="Region of the gpu tier; null: `region`.")
    spaces_bucket: S3Name = "qmoi-cloud-storage"
    """Base name of the Spaces buckets: <spaces_bucket>-<env>-<class>."""
    # Sizes the pricing catalog knows; no memory-optimized (m-*) price has two agreeing sources yet.
    droplets: Tiers = Tiers(compute="s-4vcpu-8gb", gpu="gpu-h100x1-80gb", memory="s-4vcpu-8gb")
    image: str = Field(default="ubuntu-24-04-x64", description="Image of the CPU tiers.")
    gpu_image: str = Field(default="gpu-h100x1-base", description="NVIDIA AI/ML-ready image (drivers, CUDA).")
    ssh_key_fingerprints: list[Annotated[str, Field(pattern=r"^([0-9a-f]{2}:){15}[0-9a-f]{2}$")]] = Field(
        default_factory=list, description="MD5 fingerprints of SSH keys already in the DigitalOcean account."
    )
    vpc_cidr: Cidr = "10.50.0.0/20"
    gpu_vpc_cidr: Cidr = Field(default="10.50.16.0/20", description="VPC range in gpu_region, when it differs.")
    functions: Functions = Field(default_factory=dict)
    app: AppSource = AppSource()
    cdn: Cdn = Cdn(enabled=False)

    @property
    def gpu_pool_region(self) -> str:
        return self.gpu_region or self.region

    def catalog_problems(self, key: str) -> list[str]:
        # DigitalOcean prices are the same in every region; availability is per region.
        problems = _size_problems(Provider.digitalocean, "global", self.droplets, f"{key}.droplets")
        row = load_catalog().instance(Provider.digitalocean.value, self.droplets.gpu, "global")
        region = self.gpu_pool_region
        if row is not None and row.gpu and region not in DIGITALOCEAN_GPU_REGIONS:
            where = f"gpu_region {region!r}" if self.gpu_region else f"region {region!r}"
            problems.append(
                f"{key}.droplets.gpu: {self.droplets.gpu!r} is a GPU droplet size, but {where} has no GPU "
                f"droplets (GPU regions: {', '.join(DIGITALOCEAN_GPU_REGIONS)}); set {key}.gpu_region to one "
                "of them"
            )
        return problems

    @model_validator(mode="after")
    def _enabled_needs(self) -> Self:
        if not self.enabled:
            return self
        if not self.ssh_key_fingerprints:
            raise ValueError(
                "ssh_key_fingerprints needs at least one key fingerprint when digitalocean is enabled "
                "(droplet autoscale pools require SSH keys; `doctl compute ssh-key list`)"
            )
        if self.cdn.enabled and len(self.cdn.domains) > 1:
            raise ValueError("cdn.domains takes at most one domain: a Spaces CDN endpoint has one custom domain")
        if self.gpu_region not in (None, self.region) and self.gpu_vpc_cidr == self.vpc_cidr:
            raise ValueError("gpu_vpc_cidr must differ from vpc_cidr (two VPCs in one account cannot overlap)")
        return self

    @classmethod
    def credentials(cls) -> dict[str, Any]:
        """Provider arguments from `digitalocean:*` secret config, as secret Outputs.

        Explicit providers do not read the stack's `digitalocean:` config themselves, so the
        values set with `pulumi config set --secret digitalocean:token` are passed on here; a key
        that is not set is left to the provider's environment variables (DIGITALOCEAN_TOKEN,
        SPACES_ACCESS_KEY_ID, SPACES_SECRET_ACCESS_KEY).
        """
        import pulumi

        config = pulumi.Config("digitalocean")
        found = {arg: config.get_secret(key) for arg, key in cls.CREDENTIAL_KEYS.items()}
        return {arg: value for arg, value in found.items() if value is not None}


# --- the whole platform ------------------------------------------------------------


class PlatformConfig(Model):
    """Everything one stack declares. Field names are the stack file's keys."""

    environment: Environment
    """dev, staging or prod; defaults to the stack name and selects the profile."""
    tags: Tags
    budget: Budget
    aws: Aws = Aws()
    gcp: Gcp = Gcp()
    azure: Azure = Azure()
    cloudflare: Cloudflare = Cloudflare()
    digitalocean: DigitalOcean = DigitalOcean()
    autoscaling: Autoscaling
    storage: Storage = Storage()
    network: Network = Network()
    functions: FunctionDefaults = FunctionDefaults()
    usage: Usage = Usage()
    protect_stateful: bool = Field(description="protect + retainOnDelete on stateful resources.")
    log_retention_days: int = Field(ge=1, le=3653)
    """Retention of function and platform logs (profile)."""
    cdn_price_class: CdnPriceClass
    """Edge coverage of the CDNs (profile)."""

    @property
    def enabled_providers(self) -> list[Provider]:
        return [p for p in Provider if getattr(self, p.value).enabled]

    def budget_limits(self) -> dict[Provider, float]:
        """Budget limit per enabled provider that has a budget resource."""
        providers = [p for p in BUDGET_PROVIDERS if getattr(self, p.value).enabled]
        explicit = {p: getattr(self, p.value).budget_usd for p in providers}
        explicit |= {p: v for p, v in self.budget.provider_limits.items() if p in providers}
        set_limits = {p: v for p, v in explicit.items() if v is not None}
        rest = [p for p in providers if p not in set_limits]
        share = (self.budget.monthly_usd - sum(set_limits.values())) / len(rest) if rest else 0.0
        # Cents rounded down, so the shares never add up to more than the total.
        return {p: set_limits.get(p, int(share * 100) / 100) for p in providers}

    def tags_for(self, project: str = NAMESPACE) -> dict[str, str]:
        return {
            "environment": self.environment.value,
            "project": project,
            "owner": self.tags.owner,
            "cost-center": self.tags.cost_center,
            **self.tags.extra,
        }


def _cross_checks(config: PlatformConfig) -> list[str]:
    """Checks that need more than one block: derived names, catalog, budget sums."""
    problems: list[str] = []
    env = config.environment.value
    for provider in config.enabled_providers:
        block = getattr(config, provider.value)
        problems += block.catalog_problems(provider.value)
        problems += _missing_handlers(getattr(block, block.FUNCTIONS_KEY), f"{provider.value}.{block.FUNCTIONS_KEY}")
    for cls in BucketClass:
        if config.aws.enabled and (r := naming.s3_bucket_problem(naming.bucket_name(config.aws.s3_bucket, env, cls))):
            problems.append(f"aws.s3_bucket: {config.aws.s3_bucket!r} is too long for '-{env}-{cls}' bucket names: {r}")
            break
    if config.gcp.enabled:
        name = naming.bucket_name(config.gcp.storage_bucket, env, BucketClass.artifacts)
        if r := naming.gcs_bucket_problem(name):
            problems.append(f"gcp.storage_bucket: derived name {name!r} is invalid: {r}")
        for cls, settings in config.storage.classes().items():
            days = settings.retention_days
            if days is not None and not GCS_SOFT_DELETE_DAYS[0] <= days <= GCS_SOFT_DELETE_DAYS[1]:
                problems.append(
                    f"storage.{cls.value}.retention_days: {days} cannot be a Cloud Storage soft-delete window "
                    f"(allowed {GCS_SOFT_DELETE_DAYS[0]}-{GCS_SOFT_DELETE_DAYS[1]} days when gcp is enabled)"
                )
    if config.azure.enabled:
        name = naming.storage_account_name(config.azure.storage_account, env)
        if r := naming.azure_storage_account_problem(name):
            problems.append(f"azure.storage_account: the per-stack name {name!r} is invalid: {r}")
    limits = config.budget_limits()
    if sum(limits.values()) > config.budget.monthly_usd + 0.01:
        problems.append(
            f"budget.provider_limits: the provider limits add up to {sum(limits.values()):.2f} USD, "
            f"more than budget.monthly_usd {config.budget.monthly_usd:.2f}"
        )
    if config.cloudflare.enabled:
        problems += _cloudflare_problems(config)
    return problems


def origin_providers(config: PlatformConfig) -> list[Provider]:
    """Enabled clouds that serve a public origin (CDN; DigitalOcean also its App) for the edge, in config order."""
    cdns = {
        Provider.aws: config.aws.cloudfront,
        Provider.gcp: config.gcp.cdn,
        Provider.azure: config.azure.cdn,
        Provider.digitalocean: config.digitalocean.cdn,
    }
    do_app = any(f.enabled for f in config.digitalocean.functions.values())  # the App's ingress is its origin
    return [
        p
        for p in ORIGIN_PROVIDERS
        if getattr(config, p.value).enabled and (cdns[p].enabled or (p is Provider.digitalocean and do_app))
    ]


def _cloudflare_problems(config: PlatformConfig) -> list[str]:
    """Zones, routes, hostnames and load-balancer pools must name things this stack has."""
    cf = config.cloudflare
    if not cf.zones:
        return ["cloudflare.zones: at least one zone {name, zone_id} is needed when cloudflare is enabled"]
    problems: list[str] = []
    zone_names = ", ".join(z.name for z in cf.zones)
    for i, zone in enumerate(cf.zones):
        problems += [
            f"cloudflare.zones[{i}].hostnames: {h!r} is not in the zone {zone.name!r}"
            for h in zone.hostnames
            if not (h == zone.name or h.endswith(f".{zone.name}"))
        ]
    for name, spec in cf.workers.items():
        if spec.enabled and (FUNCTIONS_DIR / name).is_dir() and not (FUNCTIONS_DIR / name / "worker.js").is_file():
            problems.append(f"cloudflare.workers.{name}: a Worker needs its script functions/{name}/worker.js")
        for j, route in enumerate(spec.routes):
            host = route.split("/", 1)[0].removeprefix("*.")
            if "/" not in route or cf.zone_of(host) is None:
                problems.append(
                    f"cloudflare.workers.{name}.routes[{j}]: {route!r} must be '<host>/<path>' with the host "
                    f"in a configured zone ({zone_names})"
                )
    for worker in cf.secret_bindings:
        if worker not in cf.workers:
            known = ", ".join(cf.workers) or "none"
            problems.append(f"cloudflare.secret_bindings.{worker}: no such worker (workers: {known})")
    lb = cf.load_balancer
    if not lb.enabled:
        return problems
    hostname = cf.lb_hostname(config.environment.value)
    if hostname is not None and cf.zone_of(hostname) is None:
        problems.append(f"cloudflare.load_balancer.hostname: {hostname!r} is not in a configured zone ({zone_names})")
    origins = origin_providers(config)
    allowed = ", ".join(p.value for p in origins) or "none: enable a cloud with its CDN"
    if not origins:
        problems.append(f"cloudflare.load_balancer: no origin to balance ({allowed})")
    named = [("failover_order", p) for p in lb.failover_order]
    named += [(f"geo.{region}", p) for region, pools in lb.geo.items() for p in pools]
    problems += [
        f"cloudflare.load_balancer.{key}: {p.value!r} is not an enabled cloud with an origin (allowed: {allowed})"
        for key, p in named
        if p not in origins
    ]
    for region, pools in lb.geo.items():
        if region not in CLOUDFLARE_LB_REGIONS:
            problems.append(
                f"cloudflare.load_balancer.geo: {region!r} is not a Cloudflare region "
                f"(allowed: {', '.join(CLOUDFLARE_LB_REGIONS)})"
            )
        if not pools:
            problems.append(f"cloudflare.load_balancer.geo.{region}: needs at least one pool")
    if lb.geo and lb.steering != "geo":
        problems.append(f"cloudflare.load_balancer.geo: used only with steering: geo (steering is {lb.steering!r})")
    if lb.steering == "geo" and not lb.geo:
        problems.append("cloudflare.load_balancer.steering: geo needs cloudflare.load_balancer.geo (region -> pools)")
    return problems


# --- error reporting -----------------------------------------------------------------


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys a model accepts at `loc` (the parent of an unknown key)."""
    model: Any = PlatformConfig
    for part in loc:
        field = model.model_fields.get(part) if isinstance(part, str) and hasattr(model, "model_fields") else None
        if field is None:
            field = next((f for f in getattr(model, "model_fields", {}).values() if f.alias == part), None)
        if field is None:
            return []
        model = field.annotation
        args = getattr(model, "__args__", ())
        model = next((a for a in args if hasattr(a, "model_fields")), model)
        if not hasattr(model, "model_fields"):
            return []
    return [f.alias or n for n, f in model.model_fields.items()]


def _describe(error: Mapping[str, Any]) -> str:
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    path = ".".join(str(p) for p in loc) or "(top level)"
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        return f"{path}: unknown key; expected one of: {', '.join(allowed)}"
    if kind == "missing":
        return f"{path}: required key is missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind in ("enum", "literal_error"):
        return f"{path}: {value!r} is not allowed; {message.lower()}"
    if kind == "string_pattern_mismatch":
        return f"{path}: {value!r} does not match {error['ctx']['pattern']}"
    shown = "" if isinstance(value, dict | list) or repr(value) in message else f" (got {value!r})"
    return f"{path}: {message}{shown}"


def validate(raw: Mapping[str, Any], stack: str) -> PlatformConfig:
    """Validate a stack's raw `qmoi-cloud:` config (keys without the namespace).

    The environment defaults to the stack name; its profile is merged under `raw`.
    Raises ConfigError with every problem found.
    """
    from stacks.profiles import deep_merge, profile  # stacks imports this module; import on use

    environment = raw.get("environment", stack)
    merged = deep_merge({"environment": environment, **profile(str(environment))}, dict(raw))
    try:
        config = PlatformConfig.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError([_describe(e) for e in exc.errors()]) from None
    problems = _cross_checks(config)
    if problems:
        raise ConfigError(problems)
    return config


# --- reading config from the Pulumi runtime ------------------------------------------


# Secret settings under the namespace. They never enter the model (which is logged and
# echoed in errors); the code that needs one reads it as a Pulumi secret Output.
WORKER_SECRETS_KEY = "worker_secrets"
SECRET_SETTINGS = frozenset({"alert_webhook_url", WORKER_SECRETS_KEY})


def namespace_values(values: Mapping[str, Any], secret_keys: Iterable[str] = ()) -> dict[str, Any]:
    """`qmoi-cloud:<key>` entries of a Pulumi config bag, JSON values decoded.

    Known secret settings are left out; an unknown secret key stays in, so validation
    reports it as an unknown key (without its value).
    """
    secrets = set(secret_keys)
    raw: dict[str, Any] = {}
    for key, value in values.items():
        if not key.startswith(f"{NAMESPACE}:"):
            continue
        short = key.removeprefix(f"{NAMESPACE}:")
        if short in SECRET_SETTINGS:
            continue  # even when the caller does not say which keys are secret (e.g. the policy pack)
        if key in secrets:
            raw[short] = "[secret]"
            continue
        if isinstance(value, str) and value[:1] in "{[":
            value = json.loads(value)
        raw[short] = value
    return raw


def from_pulumi() -> PlatformConfig:
    """The stack's configuration as the Pulumi engine (or the mock runtime) passes it."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    values = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    secret_keys = {*runtime_config.get_config_secret_keys_env(), *runtime_config._SECRET_KEYS.get()}
    try:
        return validate(namespace_values(values, secret_keys), pulumi.get_stack())
    except ConfigError as exc:
        # RunError is reported by the engine as a plain message, without a traceback.
        raise pulumi.RunError(str(exc)) from None


def cloudflare_api_token() -> pulumi.Output[str] | None:
    """`cloudflare:apiToken` as a secret Output, or None to let the provider read CLOUDFLARE_API_TOKEN.

    An explicit provider does not read the stack's `cloudflare:` config by itself, so the token is
    passed on from here; a plaintext token never reaches this point (infra/stackfile.py rejects it).
    """
    import pulumi

    return pulumi.Config("cloudflare").get_secret("apiToken")


def worker_secrets(bindings: Mapping[str, list[str]]) -> dict[str, dict[str, pulumi.Output[str]]]:
    """Secret values of the Workers' secret_text bindings, as secret Outputs: {worker: {NAME: value}}.

    `bindings` (worker -> binding names) is the non-secret `cloudflare.secret_bindings`; the values
    come only from the secret config `qmoi-cloud:worker_secrets`, a JSON object {worker: {NAME: value}}
    set with `pulumi config set --secret --path 'worker_secrets.<worker>.<NAME>' <value>`.
    """
    import pulumi

    wanted = {w: names for w, names in bindings.items() if names}
    if not wanted:
        return {}
    raw = pulumi.Config(NAMESPACE).get_secret(WORKER_SECRETS_KEY)
    if raw is None:
        listing = ", ".join(f"{w}.{n}" for w, names in wanted.items() for n in names)
        raise pulumi.RunError(
            f"{NAMESPACE}:{WORKER_SECRETS_KEY} is not set but cloudflare.secret_bindings needs {listing}; "
            f"set each with `pulumi config set --secret --path '{WORKER_SECRETS_KEY}.<worker>.<NAME>' <value>`"
        )
    return {
        w: {n: pulumi.Output.secret(raw.apply(partial(_worker_secret, worker=w, name=n))) for n in names}
        for w, names in wanted.items()
    }


def _worker_secret(text: str, worker: str, name: str) -> str:
    """One value out of the decrypted JSON (the offline plan passes a placeholder through)."""
    try:
        value = json.loads(text)[worker][name]
    except (ValueError, KeyError, TypeError):
        if text == "[secret]":
            return text
        raise ValueError(f"{NAMESPACE}:{WORKER_SECRETS_KEY} has no value for {worker}.{name}") from None
    if not isinstance(value, str):
        raise ValueError(f"{NAMESPACE}:{WORKER_SECRETS_KEY}.{worker}.{name} must be a string")
    return value
