# GENERATED from infra/config/model.py by `python -m infra policies --write-config`: do not edit (policy/vendor/README.md).
"""`PlatformConfig`: the blocks composed into one model, the checks that span blocks, and `validate`.

The blocks live in `base.py` (provider-neutral settings) and `providers.py` (one block per
provider). `validate` merges the environment profile (`profiles.py`) under a stack's raw
values, lets pydantic check everything at once, adds the cross-block checks, and raises
`ConfigError` listing every problem with its key path, the bad value and what is allowed.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from functools import cache, partial
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, Field, PrivateAttr, ValidationError
from pydantic_core import to_jsonable_python

from infra.config import naming
from infra.config.base import (
    BUDGET_PROVIDERS,
    FUNCTIONS_DIR,
    NAMESPACE,
    Alerts,
    Autoscaling,
    BucketClass,
    Budget,
    CdnPriceClass,
    ConfigError,
    Environment,
    FunctionDefaults,
    Model,
    Network,
    Pricing,
    Provider,
    Storage,
    Tags,
    Tier,
    TierMachine,
    Usage,
    missing_handlers,
    shown,
)
from infra.config.profiles import deep_merge, profile
from infra.config.providers import (
    AZURE_TIME_ZONES,
    CLOUDFLARE_LB_REGIONS,
    CLOUDFLARE_PROXY,
    CLOUDWATCH_RETENTION_DAYS,
    DIGITALOCEAN_MIN_POOL_INSTANCES,
    GCP_BUDGET_CHANNELS_MAX,
    GCS_SOFT_DELETE_DAYS,
    ORIGIN_PROVIDERS,
    Aws,
    Azure,
    Cloudflare,
    DigitalOcean,
    ForwardingProxy,
    Gcp,
    ProviderBlock,
)
from infra.config.security import (
    COMPLIANCE,
    EEA_REGIONS,
    SECURITY_BLOCKS,
    Audit,
    Backup,
    Compliance,
    SingletonOwners,
    ThreatDetection,
    VaultLock,
    Waf,
    WafMode,
    raise_to_minimums,
)

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
    alerts: Alerts = Alerts()
    """Thresholds of the error-tracking alarms and cost-anomaly alerts (every cloud)."""
    audit: Audit = Audit()
    threat_detection: ThreatDetection = ThreatDetection()
    waf: Waf = Waf()
    backup: Backup = Backup()
    compliance: Compliance = Compliance.none
    """none | soc2 | hipaa | gdpr: raises retention, locks, regions and keys to the profile's minimums
    (technical support for a profile, not a certification; README, Compliance)."""
    pricing: Pricing = Pricing()
    """Prices you supply (negotiated rates, regions the catalog lacks); shown as user-supplied."""
    protect_stateful: bool = Field(description="protect + retainOnDelete on stateful resources.")
    force_destroy_buckets: bool = Field(
        description="Destroying a bucket deletes its objects first (profile: dev only; never allowed in prod). "
        "Without it, `pulumi destroy` stops at every bucket that still holds objects (logs, versions)."
    )
    log_retention_days: int = Field(ge=1, le=3653)
    """Retention of function and platform logs (profile)."""
    cdn_price_class: CdnPriceClass
    """Edge coverage of the CDNs (profile)."""
    _stack: str | None = PrivateAttr(default=None)

    @property
    def stack(self) -> str:
        """The Pulumi stack this configuration is for (its environment when not told)."""
        return self._stack or self.environment.value

    @property
    def names(self) -> naming.StackNames:
        """The stack's physical names: globally unique names derive from the stack, not the environment."""
        return naming.StackNames(self.stack, self.environment.value)

    @property
    def owns_zone_settings(self) -> bool:
        """True when this stack declares the Cloudflare zones' zone-wide settings (one owner per zone)."""
        return self.cloudflare.zone_settings_owner == self.stack

    def owns_account_singletons(self, owner: str) -> bool:
        """Whether this stack declares the account-wide singletons whose owner is `owner` (`*`: every stack)."""
        return owner in ("*", self.stack)

    def singleton_owner(self, block: SingletonOwners, provider: Provider) -> str:
        """The stack that declares `block`'s singletons in `provider`'s account: a GCP project's belong to its
        environment's stack (project_owner overrides), the shared AWS account's and Azure subscription's to
        account_owner."""
        if provider is Provider.gcp:
            return block.project_owner or self.environment.value
        return block.account_owner

    def owns_cost_anomaly_alert(self) -> bool:
        """This stack declares the Azure subscription's cost anomaly alert (alerts.cost_anomaly_owner)."""
        return self.owns_account_singletons(self.alerts.cost_anomaly_owner)

    def owns_audit(self, provider: Provider) -> bool:
        """This stack declares the audit trail and settings of `provider`'s account (audit.account_owner,
        audit.project_owner)."""
        return self.audit.enabled and self.owns_account_singletons(self.singleton_owner(self.audit, provider))

    def owns_threat_detection(self, provider: Provider) -> bool:
        """This stack declares the detectors of `provider`'s account (threat_detection.account_owner,
        threat_detection.project_owner)."""
        block = self.threat_detection
        return block.enabled and self.owns_account_singletons(self.singleton_owner(block, provider))

    def origin_proxy(self, provider: Provider) -> ForwardingProxy | None:
        """The proxy in front of this cloud's origin, if any: Cloudflare when one of the load balancer's pools
        is this cloud's origin (or, without a load balancer, when the zones' proxied hostnames point at it).
        A firewall at such an origin sees Cloudflare's addresses; the client's is in `client_header`."""
        cf = self.cloudflare
        origins = origin_providers(self)
        if not cf.enabled or provider not in origins:
            return None
        hostname = cf.lb_hostname(self.environment.value)
        if cf.load_balancer.enabled and hostname and cf.zone_of(hostname):
            fronted = cf.load_balancer.failover_order or origins
        else:
            fronted = origins[:1] if any(z.hostnames for z in cf.zones) else []
        return CLOUDFLARE_PROXY if provider in fronted else None

    @property
    def enabled_providers(self) -> list[Provider]:
        return [p for p in Provider if getattr(self, p.value).enabled]

    def notices(self) -> list[str]:
        """What validation accepts but a reader should know before deploying (shown as plan warnings)."""
        found = []
        if self.digitalocean.enabled:
            for tier in Tier:
                if getattr(self.autoscaling, tier.value).min < DIGITALOCEAN_MIN_POOL_INSTANCES:
                    found.append(
                        f"autoscaling.{tier.value}.min: 0 parks the {tier.value} tier on DigitalOcean (no autoscale "
                        f"pool: the API needs min_instances >= {DIGITALOCEAN_MIN_POOL_INSTANCES}); set it to "
                        f"{DIGITALOCEAN_MIN_POOL_INSTANCES} to run the tier there"
                    )
        if self.gcp.enabled and not self.names.primary:
            found.append(
                f"gcp.project_id: {self.gcp.project_id!r}: a Cloud Billing budget counts the whole project (a label "
                f"filter would miss unlabelled spend), so if the {self.environment.value} stack (or another stack) "
                "uses this project too, both budgets count both stacks' spend; give this stack a project of its own "
                "to separate them"
            )
        return found

    def tier_machines(self, provider: Provider | str) -> dict[Tier, TierMachine]:
        """The machine of each compute tier on `provider` (empty for a provider without tiers)."""
        block: ProviderBlock = getattr(self, Provider(provider).value)
        return block.tier_machines()

    def budget_limits(self) -> dict[Provider, float]:
        """Budget limit per enabled provider that has a budget resource."""
        set_limits, rest = self.set_budget_limits()
        share = (self.budget.monthly_usd - sum(set_limits.values())) / len(rest) if rest else 0.0
        # Cents rounded down, so the shares never add up to more than the total.
        return {p: set_limits.get(p, int(share * 100) / 100) for p in BUDGET_PROVIDERS if p in set_limits or p in rest}

    def set_budget_limits(self) -> tuple[dict[Provider, float], list[Provider]]:
        """(limits set explicitly, providers that share the rest) among enabled providers with a budget."""
        providers = [p for p in BUDGET_PROVIDERS if getattr(self, p.value).enabled]
        explicit = {p: getattr(self, p.value).budget_usd for p in providers}
        explicit |= {p: v for p, v in self.budget.provider_limits.items() if p in providers}
        set_limits = {p: v for p, v in explicit.items() if v is not None}
        return set_limits, [p for p in providers if p not in set_limits]

    def tags_for(self, project: str = NAMESPACE) -> dict[str, str]:
        """The tags every taggable resource carries. `stack` (the stack's name token, label-safe) tells the
        resources of stacks with one environment apart: budgets and alerts select their own stack by it."""
        return {
            **self.tags.extra,
            "environment": self.environment.value,
            "stack": self.names.token,
            "project": project,
            "owner": self.tags.owner,
            "cost-center": self.tags.cost_center,
        }


def _cross_checks(config: PlatformConfig) -> list[str]:
    """Checks that need more than one block: derived names, catalog, budget sums."""
    problems: list[str] = []
    names = config.names
    for provider in config.enabled_providers:
        block = getattr(config, provider.value)
        problems += block.catalog_problems(provider.value)
        problems += missing_handlers(getattr(block, block.FUNCTIONS_KEY), f"{provider.value}.{block.FUNCTIONS_KEY}")
    for cls in BucketClass:
        name = names.bucket(config.aws.s3_bucket, cls)
        if config.aws.enabled and (r := naming.s3_bucket_problem(name)):
            why = (
                f"is too long for '-{names.token}-{cls}' bucket names"
                if len(name) > 63
                else f"gives the bucket name {name!r}"
            )
            problems.append(f"aws.s3_bucket: {shown(config.aws.s3_bucket)} {why}: {r}")
            break
    if config.aws.enabled and config.log_retention_days not in CLOUDWATCH_RETENTION_DAYS:
        problems.append(
            f"log_retention_days: {config.log_retention_days} is not a CloudWatch Logs retention (allowed when aws "
            f"is enabled: {', '.join(map(str, CLOUDWATCH_RETENTION_DAYS))})"
        )
    if config.force_destroy_buckets and config.environment is Environment.prod:
        problems.append(
            "force_destroy_buckets: true is not allowed in prod (destroying a bucket would delete its data; prod "
            "buckets are protected and retained)"
        )
    problems += _usage_problems(config)
    problems += _budget_problems(config)
    if config.gcp.enabled and len(config.budget.alert_emails) > GCP_BUDGET_CHANNELS_MAX:
        problems.append(
            f"budget.alert_emails: {len(config.budget.alert_emails)} addresses, and a Cloud Billing budget notifies "
            f"at most {GCP_BUDGET_CHANNELS_MAX} notification channels (one per address) when gcp is enabled: use a "
            "mailing list"
        )
    if config.gcp.enabled:
        name = names.bucket(config.gcp.storage_bucket, BucketClass.artifacts)
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
        for tier in Tier:
            window = getattr(config.autoscaling, tier.value).schedule
            if window is not None and window.time_zone not in AZURE_TIME_ZONES:
                problems.append(
                    f"autoscaling.{tier.value}.schedule.time_zone: {shown(window.time_zone)} has no Windows time zone "
                    f"id here, which Azure autoscale needs (allowed when azure is enabled: "
                    f"{', '.join(sorted(AZURE_TIME_ZONES))})"
                )
        for role in naming.AZURE_ACCOUNT_ROLES.values():
            name = names.storage_account(config.azure.storage_account, role)
            if r := naming.azure_storage_account_problem(name):
                problems.append(f"azure.storage_account: the per-stack name {name!r} is invalid: {r}")
                break
    if config.cloudflare.enabled:
        problems += _cloudflare_problems(config)
    if config.digitalocean.enabled:
        problems += _digitalocean_problems(config)
    problems += config.pricing.problems()
    problems += _security_problems(config)
    return problems


def _security_problems(config: PlatformConfig) -> list[str]:
    """Irreversible locks outside prod, Cloudflare's count mode, and the compliance profile's minimums."""
    problems: list[str] = []
    dev = config.environment is Environment.dev
    if dev and config.backup.enabled and config.backup.vault_lock is VaultLock.compliance:
        problems.append(
            f"backup.vault_lock: 'compliance' cannot be undone after {config.backup.lock_cooling_off_days} days and "
            "keeps every recovery point until it expires; dev stacks are destroyed and recreated: use governance or "
            "none in dev"
        )
    if dev and config.audit.enabled and config.audit.immutable:
        problems.append(
            "audit.immutable: true locks the audit logs (S3 Object Lock, a locked GCS retention policy) so that the "
            "stack cannot be destroyed before they expire; dev stacks are destroyed and recreated: leave it false"
        )
    cf = config.cloudflare
    counting = config.waf.enabled and config.waf.mode is WafMode.count
    if cf.enabled and config.owns_zone_settings and counting and cf.zone_plan != "enterprise":
        problems.append(
            f"waf.mode: count on Cloudflare needs the 'log' action, which only Enterprise zones have (zone_plan "
            f"is {cf.zone_plan!r}); the stack that owns the zones' settings ({cf.zone_settings_owner}) must block"
        )
    return problems + _compliance_problems(config)


def _compliance_problems(config: PlatformConfig) -> list[str]:
    """Every setting below the compliance profile's minimum, naming the key and the profile."""
    profile = config.compliance
    minimums = COMPLIANCE[profile]
    if profile is Compliance.none:
        return []
    why = f"(compliance: {profile.value}: {minimums.why})"
    problems = []
    if minimums.capabilities_required:
        problems += [
            f"{block}.enabled: false is not allowed with compliance: {profile.value}"
            for block in SECURITY_BLOCKS
            if not getattr(config, block).enabled
        ]
    if minimums.audit_retention_days and config.audit.retention_days < minimums.audit_retention_days:
        problems.append(
            f"audit.retention_days: {config.audit.retention_days} is below the {profile.value} minimum of "
            f"{minimums.audit_retention_days} {why}"
        )
    if minimums.audit_data_events and not config.audit.data_events:
        problems.append(f"audit.data_events: false; {profile.value} needs data-access logs {why}")
    if minimums.backup_retention_days and config.backup.retention_days < minimums.backup_retention_days:
        problems.append(
            f"backup.retention_days: {config.backup.retention_days} is below the {profile.value} minimum of "
            f"{minimums.backup_retention_days} {why}"
        )
    if config.environment is Environment.prod and config.backup.vault_lock.rank < minimums.vault_lock.rank:
        problems.append(
            f"backup.vault_lock: {config.backup.vault_lock.value!r} is weaker than the {profile.value} minimum "
            f"{minimums.vault_lock.value!r} in prod {why}"
        )
    if minimums.eea_regions:
        problems += _eea_problems(config, profile)
    if minimums.customer_managed_keys:
        if config.gcp.enabled and not config.gcp.cmek:
            problems.append(f"gcp.cmek: false; {profile.value} needs customer-managed keys where they exist")
        if config.azure.enabled:
            problems.append(
                f"azure.enabled: customer-managed keys for Azure storage are not implemented here, and "
                f"{profile.value} needs them where they exist; deploy the profile without azure"
            )
    return problems


def _eea_problems(config: PlatformConfig, profile: Compliance) -> list[str]:
    regions: list[tuple[str, str, str | None]] = [
        ("aws", "aws.region", config.aws.region),
        ("gcp", "gcp.region", config.gcp.region),
        ("azure", "azure.region", config.azure.region),
        ("digitalocean", "digitalocean.region", config.digitalocean.region),
        ("digitalocean", "digitalocean.gpu_region", config.digitalocean.gpu_region),
    ]
    problems = [
        f"{key}: {region!r} is outside the EEA; {profile.value} keeps data in EEA regions "
        f"({', '.join(sorted(EEA_REGIONS[provider]))})"
        for provider, key, region in regions
        if getattr(config, provider).enabled and region is not None and region not in EEA_REGIONS[provider]
    ]
    if config.cloudflare.enabled and config.cloudflare.r2_jurisdiction != "eu":
        problems.append(
            f"cloudflare.r2_jurisdiction: {config.cloudflare.r2_jurisdiction!r}; {profile.value} keeps R2 data in "
            "the EU jurisdiction (eu)"
        )
    return problems


def _usage_problems(config: PlatformConfig) -> list[str]:
    """Usage assumptions must name functions the stack has (a typo would price nothing)."""
    named = {
        name
        for provider in config.enabled_providers
        for name in getattr(getattr(config, provider.value), getattr(config, provider.value).FUNCTIONS_KEY)
    }
    return [
        f"usage.function_requests.{name}: no enabled function has this name (functions: {', '.join(sorted(named))})"
        for name in config.usage.function_requests
        if name not in named
    ]


def _budget_problems(config: PlatformConfig) -> list[str]:
    """Provider limits: only for providers with a budget resource, and within the stack's budget."""
    budget = config.budget
    problems = [
        f"budget.provider_limits.{p.value}: {p.value} has no budget resource (limits: "
        f"{', '.join(b.value for b in BUDGET_PROVIDERS)}); its spend is checked against budget.monthly_usd"
        for p in budget.provider_limits
        if p not in BUDGET_PROVIDERS
    ]
    set_limits, rest = config.set_budget_limits()
    if sum(set_limits.values()) > budget.monthly_usd + 0.01:
        problems.append(
            f"budget.provider_limits: the provider limits add up to {sum(set_limits.values()):.2f} USD, "
            f"more than budget.monthly_usd {budget.monthly_usd:.2f}"
        )
    elif rest and budget.monthly_usd - sum(set_limits.values()) < 0.01 * len(rest):
        problems.append(
            f"budget.provider_limits: the limits set leave nothing of budget.monthly_usd {budget.monthly_usd:.2f} "
            f"for {', '.join(p.value for p in rest)}; set their limits too, or lower the others"
        )
    return problems


def _digitalocean_problems(config: PlatformConfig) -> list[str]:
    """A Spaces CDN custom domain needs a Let's Encrypt certificate, which DigitalOcean issues only for
    domains whose DNS it hosts; a domain in a Cloudflare zone of this stack never is."""
    problems = []
    for i, domain in enumerate(config.digitalocean.cdn.domains if config.digitalocean.cdn.enabled else []):
        zone = config.cloudflare.zone_of(domain.removeprefix("*.")) if config.cloudflare.enabled else None
        if zone is not None:
            problems.append(
                f"digitalocean.cdn.domains[{i}]: {domain!r} is in the Cloudflare zone {zone.name!r}; DigitalOcean "
                "issues Let's Encrypt certificates only for domains whose DNS it hosts. Leave digitalocean.cdn.domains "
                "empty and serve the Spaces CDN through Cloudflare (the load balancer's digitalocean pool)"
            )
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
    edge = cf.edge_worker_name()
    if cf.edge_worker is not None and not (edge in cf.workers and cf.workers[edge].enabled):
        known = ", ".join(n for n, w in cf.workers.items() if w.enabled) or "none"
        problems.append(f"cloudflare.edge_worker: {cf.edge_worker!r} is not an enabled worker (enabled: {known})")
    for worker in cf.secret_bindings:
        if worker not in cf.workers:
            known = ", ".join(cf.workers) or "none"
            problems.append(f"cloudflare.secret_bindings.{worker}: no such worker (workers: {known})")
    lb = cf.load_balancer
    hostnames = [h for z in cf.zones for h in z.hostnames]
    if hostnames and not lb.enabled and not origin_providers(config):
        problems.append(
            f"cloudflare.zones[].hostnames: {', '.join(hostnames)} need a target: enable cloudflare.load_balancer "
            "or a cloud with an origin (a CDN, or DigitalOcean functions)"
        )
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


# --- stacks side by side ----------------------------------------------------------------
#
# `for_stack(config, stack)` records the stack on the configuration (`config.stack`, `config.names`)
# and, for a stack that is not named after its environment (a pull-request stack `pr-42`, a
# developer's `dev-alice` with `qmoi-cloud:environment: dev`), rewrites every public hostname the
# stack file names so that it cannot collide with the environment's own stack: CDN custom domains,
# the Cloudflare hostnames, Worker routes and the load balancer hostname all get the stack's token
# (`app-dev.qmoi.ai` -> `app-dev-pr-42-1a2b3c.qmoi.ai`, see `naming.StackNames.hostname`). A copy of
# `Pulumi.dev.yaml` saved as `Pulumi.pr-42.yaml` therefore deploys next to dev without sharing a
# name with it.


def _with_domains(block: Any, attr: str, scope: Any) -> Any:
    cdn = getattr(block, attr)
    return block.model_copy(update={attr: cdn.model_copy(update={"domains": [scope(d) for d in cdn.domains]})})


def _route(route: str, scope: Any) -> str:
    host, _, path = route.partition("/")
    return f"{scope(host)}/{path}"


def for_stack(config: PlatformConfig, stack: str) -> PlatformConfig:
    """`config` for the stack `stack`: names derive from it, hostnames too unless it is the environment's stack."""
    names = config.model_copy()
    names._stack = stack
    if names.names.primary:
        return names
    cf = config.cloudflare
    scope = partial(names.names.hostname, zones=[z.name for z in cf.zones])
    lb_host = cf.lb_hostname(config.environment.value) if cf.load_balancer.enabled else cf.load_balancer.hostname
    cloudflare = cf.model_copy(
        update={
            "zones": [z.model_copy(update={"hostnames": [scope(h) for h in z.hostnames]}) for z in cf.zones],
            "workers": {
                n: w.model_copy(update={"routes": [_route(r, scope) for r in w.routes]}) for n, w in cf.workers.items()
            },
            "load_balancer": cf.load_balancer.model_copy(update={"hostname": scope(lb_host) if lb_host else None}),
        }
    )
    scoped = config.model_copy(
        update={
            "aws": _with_domains(config.aws, "cloudfront", scope),
            "gcp": _with_domains(config.gcp, "cdn", scope),
            "azure": _with_domains(config.azure, "cdn", scope),
            "digitalocean": _with_domains(config.digitalocean, "cdn", scope),
            "cloudflare": cloudflare,
        }
    )
    scoped._stack = stack
    return scoped


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
        return f"{path}: {shown(value)} is not allowed; {message.lower()}"
    if kind == "string_pattern_mismatch":
        return f"{path}: {shown(value)} does not match {error['ctx']['pattern']}"
    got = "" if isinstance(value, dict | list) or repr(value) in message else f" (got {shown(value)})"
    return f"{path}: {message}{got}"


# --- defaults, merged key by key ------------------------------------------------------


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The block model behind an annotation (through Optional and Annotated), or None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType) or hasattr(annotation, "__metadata__"):
        args = get_args(annotation) if not hasattr(annotation, "__metadata__") else (annotation.__origin__,)
        return next((m for a in args if (m := _model_of(a)) is not None), None)
    return None


def _item_model(annotation: Any) -> type[BaseModel] | None:
    """The model of the values of a dict, or the items of a list, of blocks."""
    if hasattr(annotation, "__metadata__"):
        return _item_model(annotation.__origin__)
    if get_origin(annotation) in (Union, types.UnionType):
        return next((m for a in get_args(annotation) if (m := _item_model(a)) is not None), None)
    args = get_args(annotation)
    if get_origin(annotation) in (dict, list) and args:
        return _model_of(args[-1])
    return None


@cache
def model_defaults() -> dict[str, Any]:
    """Every default of the model as a stack-file-shaped document (keys as written in a stack file).

    A stack file (and a profile) is merged over it key by key, so a partial block
    (`storage.backups: {versioning: true}`) changes that one leaf and keeps every other default.
    """
    return {
        field.alias or name: to_jsonable_python(field.get_default(call_default_factory=True), by_alias=True)
        for name, field in PlatformConfig.model_fields.items()
        if not field.is_required()
    }


def with_aliases(model: type[BaseModel], raw: Any) -> Any:
    """`raw` with field names written as their aliases (`compute` -> `cpu`), so merging meets the defaults."""
    if not isinstance(raw, Mapping):
        return raw
    out: dict[Any, Any] = {}
    by_name = {name: f for name, f in model.model_fields.items()}
    for key, value in raw.items():
        field = by_name.get(key) if isinstance(key, str) else None
        if field is None:
            field = next((f for f in model.model_fields.values() if f.alias == key), None)
        if field is None:
            out[key] = value
            continue
        if (sub := _model_of(field.annotation)) is not None:
            value = with_aliases(sub, value)
        elif (item := _item_model(field.annotation)) is not None:
            if isinstance(value, Mapping):
                value = {k: with_aliases(item, v) for k, v in value.items()}
            elif isinstance(value, list):
                value = [with_aliases(item, v) for v in value]
        # A field written by its name is renamed to its alias, unless the alias is given too (pydantic then reports it).
        out[key if field.alias in (None, key) or field.alias in raw else field.alias] = value
    return out


def validate(raw: Mapping[str, Any], stack: str) -> PlatformConfig:
    """Validate a stack's raw `qmoi-cloud:` config (keys without the namespace).

    The environment defaults to the stack name; the model's defaults, then its profile, are
    merged under `raw` key by key. Raises ConfigError with every problem found.
    """
    environment = raw.get("environment", stack)
    base = deep_merge(model_defaults(), {"environment": environment, **profile(str(environment))})
    base = raise_to_minimums(base, raw.get("compliance", Compliance.none.value), environment)
    merged = deep_merge(base, with_aliases(PlatformConfig, dict(raw)))
    try:
        config = PlatformConfig.model_validate(merged)
    except ValidationError as exc:
        problems = [_describe(e) for e in exc.errors()]
        if "environment" not in raw and environment not in {e.value for e in Environment}:
            # Without an environment there is no profile, so its keys are missing too: say the cause once.
            problems = [p for p in problems if not p.startswith("environment:") and not p.endswith("is missing")] + [
                f"environment: the stack {stack!r} is not named after an environment; set "
                f"{NAMESPACE}:environment: dev, staging or prod in its stack file (it selects the profile)"
            ]
        raise ConfigError(problems) from None
    config = for_stack(config, stack)
    problems = _cross_checks(config)
    if problems:
        raise ConfigError(problems)
    return config
