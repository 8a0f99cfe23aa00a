"""The platform configuration: one typed, validated model for all five providers.

The only package that reads configuration. A stack file (`Pulumi.<stack>.yaml`) holds the
documented shape under the `qmoi-cloud:` namespace, one key per block (`qmoi-cloud:aws`,
`qmoi-cloud:gcp`, ...). The environment profile (`profiles.py`) is merged under it, then
pydantic validates everything at once; `ConfigError` lists every problem with its key path,
the bad value and what is allowed. Nothing is deployed from an invalid configuration.

Modules, lowest first: `naming` (each provider's naming rules), `base` (provider-neutral
blocks), `providers` (one block per provider), `profiles` (environment defaults as data),
`model` (`PlatformConfig`, cross-block checks, `validate`), `reading` (the engine's config
bag and secrets), `stackfile` (a `Pulumi.<stack>.yaml` read the way the CLI reads it).
Callers import the API from `infra.config`.
"""

from infra.config.base import (
    BUDGET_PROVIDERS,
    FUNCTIONS_DIR,
    NAMESPACE,
    ROOT,
    Alerts,
    BucketClass,
    BucketClassSettings,
    Capacity,
    CdnPriceClass,
    ConfigError,
    Environment,
    FlowLogs,
    FunctionDefaults,
    FunctionSpec,
    PredictiveMode,
    Provider,
    ScaleSchedule,
    Tier,
    TierMachine,
    TierScaling,
    Usage,
    tree_digest,
)
from infra.config.model import PlatformConfig, origin_providers, validate
from infra.config.providers import (
    AZURE_TIME_ZONES,
    CLOUDFLARE_PROXY,
    DIGITALOCEAN_GPU_REGIONS,
    DIGITALOCEAN_MIN_POOL_INSTANCES,
    AppSource,
    Cloudflare,
    CloudflareZone,
    DigitalOcean,
    ForwardingProxy,
    GcpMachine,
    aws_accelerated,
)
from infra.config.reading import (
    alert_webhook_url,
    cloudflare_api_token,
    from_pulumi,
    function_secrets,
    namespace_values,
    validate_engine_config,
    worker_secrets,
)
from infra.config.security import COMPLIANCE, Compliance, VaultLock, WafMode
from infra.config.stackfile import SHIPPED_STACKS, StackFile, load_stack_file, stack_path

__all__ = [
    "AZURE_TIME_ZONES",
    "BUDGET_PROVIDERS",
    "CLOUDFLARE_PROXY",
    "COMPLIANCE",
    "DIGITALOCEAN_GPU_REGIONS",
    "DIGITALOCEAN_MIN_POOL_INSTANCES",
    "FUNCTIONS_DIR",
    "NAMESPACE",
    "ROOT",
    "SHIPPED_STACKS",
    "Alerts",
    "AppSource",
    "BucketClass",
    "BucketClassSettings",
    "Capacity",
    "CdnPriceClass",
    "Cloudflare",
    "CloudflareZone",
    "Compliance",
    "ConfigError",
    "DigitalOcean",
    "Environment",
    "FlowLogs",
    "ForwardingProxy",
    "FunctionDefaults",
    "FunctionSpec",
    "GcpMachine",
    "PlatformConfig",
    "PredictiveMode",
    "Provider",
    "ScaleSchedule",
    "StackFile",
    "Tier",
    "TierMachine",
    "TierScaling",
    "Usage",
    "VaultLock",
    "WafMode",
    "alert_webhook_url",
    "aws_accelerated",
    "cloudflare_api_token",
    "from_pulumi",
    "function_secrets",
    "load_stack_file",
    "namespace_values",
    "origin_providers",
    "stack_path",
    "tree_digest",
    "validate",
    "validate_engine_config",
    "worker_secrets",
]
