"""The five provider blocks of the platform configuration (`qmoi-cloud:aws`, `:gcp`, ...).

Each block validates its provider's own rules (names, regions, sizes known to the pricing
catalog, seed values that are not valid as written) and says which key holds its functions.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from ipaddress import ip_network
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    field_validator,
    model_validator,
)

from infra.catalog import load_known
from infra.config import naming
from infra.config.base import (
    FUNCTIONS_DIR,
    NAMESPACE,
    BucketClass,
    Cdn,
    Cidr,
    Domain,
    Environment,
    Functions,
    GcsName,
    Hex32,
    IpRule,
    Model,
    Provider,
    R2Name,
    S3Name,
    Tier,
    TierMachine,
    Tiers,
    checked_name,
    not_known,
    region_problem,
    size_problems,
)

# --- provider blocks -----------------------------------------------------------------


class ProviderBlock(Model):
    FUNCTIONS_KEY: ClassVar[str] = ""

    enabled: bool = False
    """Declare this provider in the stack (its SDK is imported only then)."""
    budget_usd: float | None = Field(default=None, gt=0, description="Overrides this provider's budget share.")

    def catalog_problems(self, key: str) -> list[str]:
        return []

    def tier_machines(self) -> dict[Tier, TierMachine]:
        """The machine of each compute tier; empty for a provider without tiers."""
        return {}


# Instance families whose quotas a new account has at 0 vCPU: G and VT, P, Inf, Trn, DL.
AWS_ACCELERATED_FAMILY = re.compile(r"^(g|p|inf|trn|dl|vt)[a-z]*\d")


def aws_accelerated(size: str) -> bool:
    """Whether an EC2 instance type is in an accelerated family (g4dn, p4d, inf2, trn1, dl1, vt1...)."""
    return bool(AWS_ACCELERATED_FAMILY.match(size))


# The retentions CloudWatch Logs accepts (PutRetentionPolicy, retentionInDays:
# docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html).
CLOUDWATCH_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                             2922, 3288, 3653)  # fmt: skip


class AwsNetwork(Model):
    cidr: Cidr = "10.20.0.0/16"
    """VPC address range (/16-/24)."""
    ssm_endpoints: bool | None = Field(
        default=None, description="Interface endpoints for SSM; by default only where there is no NAT."
    )
    nat_per_zone: bool = Field(
        default=True,
        description="With network.nat_gateway: one NAT gateway per zone, each zone's subnets egressing through "
        "their own (false: one shared gateway, cheaper, but its zone's outage cuts egress for all).",
    )


class CloudFront(Cdn):
    additional_metrics: bool = Field(
        default=False,
        description="CloudFront's additional CloudWatch metrics (cache hit rate, origin latency, error rates by "
        "status), billed as custom metrics per distribution; the dashboard's cache-hit panel needs them.",
    )


class Aws(ProviderBlock):
    FUNCTIONS_KEY: ClassVar[str] = "lambda_functions"

    region: str = "us-east-1"
    """AWS region (one of `pulumi_aws.Region`; prices: infra/catalog/README.md)."""
    s3_bucket: S3Name = "qmoi-cloud-storage"
    ec2_instances: Tiers = Tiers(compute="t3.xlarge", gpu="g4dn.xlarge", memory="r5.xlarge")
    lambda_functions: Functions = Field(default_factory=dict)
    """Lambda functions: name -> true/false or {enabled, memory_mb, timeout_s}; code in functions/<name>/."""
    cloudfront: CloudFront = CloudFront(enabled=False)
    """CloudFront in front of the media bucket."""
    network: AwsNetwork = AwsNetwork()

    def tier_machines(self) -> dict[Tier, TierMachine]:
        return self.ec2_instances.machines()

    def catalog_problems(self, key: str) -> list[str]:
        region = region_problem(Provider.aws, self.region, f"{key}.region")
        return [region] if region else size_problems(Provider.aws, self.ec2_instances, f"{key}.ec2_instances")


class GcpMachine(Model):
    """A machine type, plus an accelerator for GPU tiers (GCP attaches GPUs separately)."""

    machine_type: str
    """Machine type, e.g. n1-standard-8 (must exist; see infra/catalog/known.json)."""
    accelerator: str | None = Field(default=None, description="e.g. nvidia-tesla-t4 (n1) or nvidia-l4 (g2).")
    accelerator_count: int = Field(default=1, ge=1, le=8)

    def tier_machine(self) -> TierMachine:
        accelerators = ((self.accelerator, self.accelerator_count),) if self.accelerator else ()
        return TierMachine(self.machine_type, accelerators)


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
# Cloud Billing budgets: NotificationsRule.monitoring_notification_channels, "A maximum of 5 ... are allowed".
GCP_BUDGET_CHANNELS_MAX = 5


class Gcp(ProviderBlock):
    FUNCTIONS_KEY: ClassVar[str] = "cloud_functions"

    project_id: Annotated[str, checked_name(naming.gcp_project_problem)] | None = None
    """GCP project id (6-30 chars), one per environment: budgets, quotas and IAM are per project."""
    region: str = "us-central1"
    """GCP region (must exist; prices: infra/catalog/README.md)."""
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

    def tier_machines(self) -> dict[Tier, TierMachine]:
        return {t: m.tier_machine() for t, m in self.compute_instances.machines().items()}

    def catalog_problems(self, key: str) -> list[str]:
        region = region_problem(Provider.gcp, self.region, f"{key}.region")
        if region:
            return [region]
        machines = self.compute_instances.machines()
        tiers = Tiers(**{t.value: m.machine_type for t, m in machines.items()})
        problems = [
            p
            for p in size_problems(Provider.gcp, tiers, f"{key}.compute_instances")
            if not (p.endswith("needs a GPU size") and machines[Tier.gpu].accelerator)
        ]
        lists = load_known().lists(Provider.gcp.value)
        offered = lists.accelerators if lists else {}
        for tier, machine in machines.items():
            path = f"{key}.compute_instances.{tier.value}.accelerator"
            if machine.accelerator is None:
                continue
            if machine.accelerator not in offered:
                problems.append(not_known(path, machine.accelerator, "an accelerator type of gcp", offered))
            elif self.region not in offered[machine.accelerator]:
                where = ", ".join(sorted(offered[machine.accelerator]))
                problems.append(
                    f"{path}: {machine.accelerator!r} is not offered in {self.region} (offered in: {where})"
                )
        return problems

    @model_validator(mode="after")
    def _billing_when_enabled(self) -> Self:
        if self.enabled and self.project_id is None:
            raise ValueError(
                "project_id is required when gcp is enabled: use one project per environment (e.g. "
                "qmoi-dev, qmoi-staging, qmoi-prod), because the budget counts a whole project's spend "
                "(labels miss unlabelled charges such as egress, Cloud CDN, logging and builds)"
            )
        if self.enabled and self.billing_account is None:
            raise ValueError("billing_account is required when gcp is enabled (the budget is set on it)")
        if self.enabled and self.cdn.enabled and not self.cdn.domains:
            raise ValueError("cdn.domains needs at least one domain when the gcp cdn is enabled (managed certificate)")
        return self


class AzureNetwork(Model):
    cidr: Cidr = "10.40.0.0/16"
    nat_gateway: bool | None = Field(
        default=None,
        description="Egress for the tiers and functions through a NAT gateway. Default: on whenever the stack has "
        "scale sets (Flexible scale sets get no default outbound access); false only for offline images.",
    )
    storage_ip_rules: list[IpRule] = Field(
        default_factory=list,
        description="Public IPs/CIDRs (the deployer, CI) let through the storage firewall; default: none.",
    )


# IANA time zones (autoscaling.<tier>.schedule.time_zone) -> the Windows time zone ids Azure autoscale
# recurrences take (RecurrentSchedule.timeZone: "Pacific Standard Time", "W. Europe Standard Time", ...; the
# pulumi-azure-native monitor SDK lists them). The pairs are Unicode CLDR's windowsZones mapping; a zone not
# listed here is a validation error on Azure, never a silent UTC.
AZURE_TIME_ZONES = {
    "UTC": "UTC",
    "Etc/UTC": "UTC",
    "Europe/London": "GMT Standard Time",
    "Europe/Dublin": "GMT Standard Time",
    "Europe/Lisbon": "GMT Standard Time",
    "Europe/Berlin": "W. Europe Standard Time",
    "Europe/Amsterdam": "W. Europe Standard Time",
    "Europe/Rome": "W. Europe Standard Time",
    "Europe/Stockholm": "W. Europe Standard Time",
    "Europe/Vienna": "W. Europe Standard Time",
    "Europe/Zurich": "W. Europe Standard Time",
    "Europe/Paris": "Romance Standard Time",
    "Europe/Brussels": "Romance Standard Time",
    "Europe/Madrid": "Romance Standard Time",
    "Europe/Copenhagen": "Romance Standard Time",
    "Europe/Warsaw": "Central European Standard Time",
    "Europe/Prague": "Central Europe Standard Time",
    "Europe/Helsinki": "FLE Standard Time",
    "Europe/Athens": "GTB Standard Time",
    "America/New_York": "Eastern Standard Time",
    "America/Toronto": "Eastern Standard Time",
    "America/Chicago": "Central Standard Time",
    "America/Denver": "Mountain Standard Time",
    "America/Phoenix": "US Mountain Standard Time",
    "America/Los_Angeles": "Pacific Standard Time",
    "America/Sao_Paulo": "E. South America Standard Time",
    "Asia/Kolkata": "India Standard Time",
    "Asia/Singapore": "Singapore Standard Time",
    "Asia/Shanghai": "China Standard Time",
    "Asia/Tokyo": "Tokyo Standard Time",
    "Asia/Seoul": "Korea Standard Time",
    "Australia/Sydney": "AUS Eastern Standard Time",
}


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
    """Azure region (must exist; prices: infra/catalog/README.md)."""
    storage_account: Annotated[str, checked_name(naming.azure_storage_account_problem)] = "qmoistorage"
    """Base of the storage account name; the stack appends its environment (<= 24 chars in all)."""
    container: Annotated[str, checked_name(naming.azure_container_problem)] = "qmoi-artifacts"
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
    function_data_access: dict[str, dict[BucketClass, Literal["read", "write"]]] = Field(
        default_factory=dict,
        description="Function -> {bucket class: read|write}: the data containers its identity may use "
        "(Storage Blob Data Reader/Contributor on each container). Default: none.",
    )

    @field_validator("subscription_id")
    @classmethod
    def _subscription_is_guid(cls, sub: str) -> str:
        if not re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", sub.lower()):
            raise ValueError(
                f"{sub!r} is not a subscription id: it must be a GUID such as "
                "0b1f6471-1bf0-4dda-aec3-111122223333 (az account show --query id)"
            )
        return sub

    def tier_machines(self) -> dict[Tier, TierMachine]:
        return self.virtual_machines.machines()

    def catalog_problems(self, key: str) -> list[str]:
        region = region_problem(Provider.azure, self.region, f"{key}.region")
        if region:
            return [region]
        retired = {t: s for t, s in self.virtual_machines.sizes().items() if s in RETIRED_AZURE_SIZES}
        problems = [
            f"{key}.virtual_machines.{t.value}: {s!r} cannot be deployed: {RETIRED_AZURE_SIZES[s]}"
            for t, s in retired.items()
        ]
        return problems + [
            p
            for p in size_problems(Provider.azure, self.virtual_machines, f"{key}.virtual_machines")
            if not any(p.startswith(f"{key}.virtual_machines.{t.value}:") for t in retired)
        ]

    @model_validator(mode="after")
    def _keys_when_enabled(self) -> Self:
        if self.enabled and not self.ssh_public_keys:
            raise ValueError("ssh_public_keys needs at least one key when azure is enabled (password login is off)")
        unknown = [f for f in self.function_data_access if f not in self.functions]
        if unknown:
            raise ValueError(
                f"function_data_access: {', '.join(map(repr, unknown))} is not in functions "
                f"(known: {', '.join(self.functions) or 'none'})"
            )
        return self


class CloudflareZone(Model):
    name: Domain
    zone_id: Hex32
    hostnames: list[Domain] = Field(
        default_factory=list,
        description="Hostnames in this zone served through the edge: proxied CNAMEs to the load balancer hostname.",
    )


@dataclass(frozen=True)
class ForwardingProxy:
    """A reverse proxy in front of an origin: the addresses it connects from, and the header that carries the
    client's address. An origin's firewall behind it sees the proxy's addresses, not the clients'."""

    name: str
    client_header: str
    ipv4: tuple[str, ...]
    ipv6: tuple[str, ...]


# Cloudflare's published egress ranges (https://www.cloudflare.com/ips/; the API: GET /client/v4/ips), read
# 2026-02-11 from two copies that agree: rezmoss/cloud-provider-ip-addresses (regenerated daily from
# cloudflare.com) and MISP/misp-warninglists lists/cloudflare (version 20261014). Cloudflare changes them
# rarely and announces changes; docs/cloudflare.md says how to check them before a deploy.
CLOUDFLARE_PROXY = ForwardingProxy(
    name="cloudflare",
    client_header="CF-Connecting-IP",
    ipv4=(
        "173.245.48.0/20",
        "103.21.244.0/22",
        "103.22.200.0/22",
        "103.31.4.0/22",
        "141.101.64.0/18",
        "108.162.192.0/18",
        "190.93.240.0/20",
        "188.114.96.0/20",
        "197.234.240.0/22",
        "198.41.128.0/17",
        "162.158.0.0/15",
        "104.16.0.0/13",
        "104.24.0.0/14",
        "172.64.0.0/13",
        "131.0.72.0/22",
    ),
    ipv6=(
        "2400:cb00::/32",
        "2606:4700::/32",
        "2803:f800::/32",
        "2405:b500::/32",
        "2405:8100::/32",
        "2a06:98c0::/29",
        "2c0f:f248::/32",
    ),
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
    check_regions: list[Literal[CLOUDFLARE_LB_REGIONS]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: ["ENAM"],
        min_length=1,
        description="Cloudflare regions the pools' monitors probe from (each region probes from 3 data centres; "
        "unset would mean every data centre, an Enterprise option). Default: ENAM, where the origins are.",
    )
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
    zone_settings_owner: str | None = Field(
        default="prod",
        description="The stack (by name) that declares the zones' zone-wide settings: TLS/HSTS settings, the "
        "cache-rules entry point, tiered cache. A zone has one of each, so one stack owns them and the others "
        "use them; null: none here (a dedicated zone stack or the dashboard owns them).",
    )
    edge_worker: str | None = Field(
        default=None,
        description="The Worker that runs on every proxied hostname (a `<host>/*` route per zones[].hostnames entry "
        "and the load balancer hostname). Default: the only enabled Worker, if there is exactly one.",
    )
    zone_plan: Literal["free", "pro", "business", "enterprise"] = Field(
        default="free",
        description="The zones' Cloudflare plan: DNS record tags need a paid plan (quota 0 on Free), and Free "
        "zones keep record comments to 100 characters.",
    )

    def zone_of(self, hostname: str) -> CloudflareZone | None:
        """The configured zone a hostname belongs to (the longest matching zone name)."""
        matches = [z for z in self.zones if hostname == z.name or hostname.endswith(f".{z.name}")]
        return max(matches, key=lambda z: len(z.name), default=None)

    def worker_routes(self, worker: str) -> list[tuple[str, str]]:
        """(pattern, zone id) of each route of an enabled worker: its `routes`, else `<zone>/<worker-slug>/*`
        on every zone. A route whose host is in no configured zone is a validation error, left out here."""
        spec = self.workers[worker]
        patterns = list(spec.routes) or [f"{z.name}/{worker.replace('_', '-')}/*" for z in self.zones]
        zones = [(p, self.zone_of(p.split("/", 1)[0].removeprefix("*."))) for p in patterns]
        return [(p, zone.zone_id) for p, zone in zones if zone is not None]

    def lb_hostname(self, environment: str) -> str | None:
        if self.load_balancer.hostname or not self.zones:
            return self.load_balancer.hostname
        prefix = "app" if environment == Environment.prod else f"app-{environment}"
        return f"{prefix}.{self.zones[0].name}"

    def proxied_hostnames(self, environment: str) -> list[str]:
        """Every hostname the stack proxies through Cloudflare: zones[].hostnames and the load balancer's."""
        hosts = [h for z in self.zones for h in z.hostnames]
        lb = self.lb_hostname(environment) if self.load_balancer.enabled else None
        return list(dict.fromkeys([*hosts, *([lb] if lb else [])]))

    def edge_worker_name(self) -> str | None:
        """The Worker that runs on every proxied hostname: `edge_worker`, else the only enabled Worker."""
        if self.edge_worker is not None:
            return self.edge_worker
        enabled = [name for name, spec in self.workers.items() if spec.enabled]
        return enabled[0] if len(enabled) == 1 else None

    @property
    def record_tags_allowed(self) -> bool:
        """DNS record tags exist only on paid zone plans (the API answers 'quota of 0' on Free)."""
        return self.zone_plan != "free"


# Regions that sell GPU Droplets. docs.digitalocean.com/products/droplets/details/gpu-availability,
# as quoted in a public pricing collector (read 2026-09-11): "NVIDIA H100 GPU Droplets are available
# in New York (NYC2), Amsterdam (AMS3), and Toronto (TOR1)"; two independent GPU Droplet guides
# (2025-2026) name NYC2, ATL1 and TOR1; the SkyPilot DO catalog (commit 1fbe7331) prices the H100
# plans in tor1. Not every GPU plan is sold in each of them: `doctl compute size list` is the truth.
# DigitalOcean API, create autoscale pool: minInstances "Min: 1"
# (docs.digitalocean.com/reference/dots/reference/droplet-autoscale-pools/autoscalepools-create/):
# a tier with minimum 0 has no pool ("parked") on DigitalOcean.
DIGITALOCEAN_MIN_POOL_INSTANCES = 1
DIGITALOCEAN_GPU_REGIONS = ("ams3", "atl1", "nyc2", "tor1")
DoRegion = Annotated[str, Field(pattern=r"^[a-z]{3}[0-9]$", description="A datacenter slug such as nyc3 or tor1.")]


def _private_vpc_range(value: str) -> str:
    """DigitalOcean VPC ranges: RFC 1918 private addresses, /16 to /28 (Create VPC API)."""
    net = ipaddress.IPv4Network(value, strict=False)
    if not any(net.subnet_of(p) for p in RFC1918) or not 16 <= net.prefixlen <= 28:
        raise ValueError(f"{value!r} is not a DigitalOcean VPC range: a private RFC 1918 network from /16 to /28")
    return str(net)


# project.yml templating: "${NAME}" is filled from the App Platform environment at build time.
TEMPLATE_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
RFC1918 = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
DoVpcRange = Annotated[str, Field(pattern=r"^\d{1,3}(\.\d{1,3}){3}/\d{1,2}$"), AfterValidator(_private_vpc_range)]


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
    droplets: Tiers = Tiers(compute="s-4vcpu-8gb", gpu="gpu-h100x1-80gb", memory="s-4vcpu-8gb")
    image: str = Field(default="ubuntu-24-04-x64", description="Image of the CPU tiers.")
    gpu_image: str = Field(default="gpu-h100x1-base", description="NVIDIA AI/ML-ready image (drivers, CUDA).")
    ssh_key_fingerprints: list[Annotated[str, Field(pattern=r"^([0-9a-f]{2}:){15}[0-9a-f]{2}$")]] = Field(
        default_factory=list, description="MD5 fingerprints of SSH keys already in the DigitalOcean account."
    )
    vpc_cidr: DoVpcRange | None = Field(
        default=None,
        description="VPC range in `region`; default: DigitalOcean allocates a /20 that overlaps none of the team's "
        "networks (ranges may not overlap within a team, so two stacks must never pin the same one).",
    )
    gpu_vpc_cidr: DoVpcRange | None = Field(
        default=None, description="VPC range in gpu_region, when it differs; default: allocated like vpc_cidr."
    )
    functions: Functions = Field(default_factory=dict)
    app: AppSource = AppSource()
    cdn: Cdn = Cdn(enabled=False)

    @property
    def gpu_pool_region(self) -> str:
        return self.gpu_region or self.region

    def tier_machines(self) -> dict[Tier, TierMachine]:
        return self.droplets.machines()

    def catalog_problems(self, key: str) -> list[str]:
        problems = [
            p
            for field, region in (("region", self.region), ("gpu_region", self.gpu_region))
            if region is not None
            and (p := region_problem(Provider.digitalocean, region, f"{key}.{field}", DIGITALOCEAN_GPU_REGIONS))
        ]
        problems += size_problems(Provider.digitalocean, self.droplets, f"{key}.droplets")
        spec = load_known().size(Provider.digitalocean.value, self.droplets.gpu)
        region = self.gpu_pool_region
        if spec is not None and spec.gpu and region not in DIGITALOCEAN_GPU_REGIONS:
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
        if (
            self.gpu_region not in (None, self.region)
            and self.vpc_cidr
            and self.gpu_vpc_cidr
            and ip_network(self.gpu_vpc_cidr).overlaps(ip_network(self.vpc_cidr))
        ):
            raise ValueError(
                f"gpu_vpc_cidr {self.gpu_vpc_cidr} overlaps vpc_cidr {self.vpc_cidr}: VPC ranges may not overlap "
                "within a team (leave both unset to let DigitalOcean allocate them)"
            )
        return self

    def secret_env_names(self) -> dict[str, list[str]]:
        """Per enabled function, the variables its project.yml takes from the App spec (`${NAME}`):
        the code says what it needs, so each is declared in the spec as a SECRET env, never set by hand."""
        found = {}
        for name, spec in self.functions.items():
            project = FUNCTIONS_DIR / name / "project.yml"
            if spec.enabled and project.is_file():
                names = list(dict.fromkeys(TEMPLATE_VARIABLE.findall(project.read_text())))
                if names:
                    found[name] = names
        return found

    def vpc_ranges(self) -> dict[str, str | None]:
        """Region -> pinned range (None: allocated by DigitalOcean), one VPC per region the tiers use."""
        ranges = {self.region: self.vpc_cidr}
        if self.gpu_pool_region != self.region:
            ranges[self.gpu_pool_region] = self.gpu_vpc_cidr
        return ranges

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
