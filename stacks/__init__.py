"""Stack composition: which provider platforms a stack builds, and how they are wired.

`build(config)` instantiates the platform component of every enabled provider, importing
its package only then (pulumi_cloudflare alone costs ~2 s and 160 MB to import), and
exports each platform's outputs under the provider's name.
"""

from __future__ import annotations

import importlib
from typing import Any

import pulumi

from components.platform import ProviderPlatform
from infra.config import PlatformConfig, Provider, alert_webhook_url, function_secrets

# Providers whose monitoring has an alert channel that can post to a webhook (SNS, Cloud Monitoring, action group).
WEBHOOK_CHANNELS = frozenset({Provider.aws, Provider.gcp, Provider.azure})
# provider -> "module:Class" of its top component; imported lazily.
PLATFORMS: dict[Provider, str] = {
    Provider.aws: "components.aws.platform:AwsPlatform",
    Provider.gcp: "components.gcp.platform:GcpPlatform",
    Provider.azure: "components.azure.platform:AzurePlatform",
    Provider.digitalocean: "components.digitalocean.platform:DigitalOceanPlatform",
    Provider.cloudflare: "components.cloudflare.platform:CloudflarePlatform",
}


def platform_class(provider: Provider) -> type[ProviderPlatform]:
    module_name, class_name = PLATFORMS[provider].split(":")
    return getattr(importlib.import_module(module_name), class_name)  # type: ignore[no-any-return]


def platform_secrets(provider: Provider, config: PlatformConfig) -> dict[str, Any]:
    """The secret inputs a platform takes (read here, from secret config, never by components)."""
    if provider is Provider.digitalocean:
        return {"function_secrets": function_secrets(config.digitalocean.secret_env_names())}
    if provider in WEBHOOK_CHANNELS and (webhook := alert_webhook_url()) is not None:
        return {"alert_webhook": webhook}
    return {}


def build(config: PlatformConfig) -> dict[Provider, ProviderPlatform]:
    """Declare every enabled provider's platform; returns them by provider."""
    platforms: dict[Provider, ProviderPlatform] = {}
    for provider in config.enabled_providers:
        if provider is Provider.cloudflare:
            continue  # the edge is built last, in front of the other platforms' origins
        platform = platform_class(provider)(f"qmoi-{provider.value}", config, **platform_secrets(provider, config))
        platforms[provider] = platform
        pulumi.export(provider.value, platform.exports())
    if config.cloudflare.enabled:
        from stacks.edge import build_edge

        platforms[Provider.cloudflare] = build_edge(config, platforms)
        pulumi.export(Provider.cloudflare.value, platforms[Provider.cloudflare].exports())
    return platforms
