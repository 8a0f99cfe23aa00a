"""The platform configuration: one typed, validated model for all five providers.

The only module that reads configuration. A stack file (`Pulumi.<stack>.yaml`) holds the
documented shape under the `qmoi-cloud:` namespace, one key per block (`qmoi-cloud:aws`,
`qmoi-cloud:gcp`, ...). The environment profile (`stacks/profiles.py`) is merged under it,
then pydantic validates everything at once; `ConfigError` lists every problem with its key
path, the bad value and what is allowed. Nothing is deployed from an invalid configuration.

Sizes and regions are checked against the pricing catalog, so every size the platform can
deploy is one the cost model can price.

The blocks live in `config_base.py` (provider-neutral settings) and `config_providers.py`
(one block per provider); this module composes them into `PlatformConfig`, runs the checks
that span blocks, formats errors, reads the config from the Pulumi runtime, and re-exports
the whole API, so callers import from `infra.config` only.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from pydantic import (
    Field,
    ValidationError,
)

from infra import naming
from infra.config_base import (
    BUDGET_PROVIDERS,
    FUNCTIONS_DIR,
    NAMESPACE,
    ROOT,
    Autoscaling,
    BucketClass,
    BucketClassSettings,
    Budget,
    Capacity,
    CdnPriceClass,
    ConfigError,
    Environment,
    FunctionDefaults,
    FunctionSpec,
    Model,
    Network,
    Provider,
    Storage,
    Tags,
    Tier,
    TierScaling,
    Usage,
    missing_handlers,
)
from infra.config_providers import (
    CLOUDFLARE_LB_REGIONS,
    DIGITALOCEAN_GPU_REGIONS,
    GCS_SOFT_DELETE_DAYS,
    ORIGIN_PROVIDERS,
    AppSource,
    Aws,
    Azure,
    Cloudflare,
    CloudflareZone,
    DigitalOcean,
    Gcp,
    GcpMachine,
)

if TYPE_CHECKING:
    import pulumi

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
        problems += missing_handlers(getattr(block, block.FUNCTIONS_KEY), f"{provider.value}.{block.FUNCTIONS_KEY}")
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


# Re-exported: callers import the whole configuration API from infra.config.
__all__ = [
    "BUDGET_PROVIDERS",
    "DIGITALOCEAN_GPU_REGIONS",
    "FUNCTIONS_DIR",
    "NAMESPACE",
    "ROOT",
    "AppSource",
    "BucketClass",
    "BucketClassSettings",
    "Capacity",
    "CdnPriceClass",
    "Cloudflare",
    "CloudflareZone",
    "ConfigError",
    "DigitalOcean",
    "Environment",
    "FunctionDefaults",
    "FunctionSpec",
    "GcpMachine",
    "PlatformConfig",
    "Provider",
    "Tier",
    "TierScaling",
    "Usage",
    "cloudflare_api_token",
    "from_pulumi",
    "namespace_values",
    "origin_providers",
    "validate",
    "worker_secrets",
]
