"""Stack composition: which provider platforms a stack builds, and how they are wired.

`build(config)` instantiates the platform component of every enabled provider, importing
its package only then (pulumi_cloudflare alone costs ~2 s and 160 MB to import), and
exports each platform's outputs under the provider's name.
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol

import pulumi

from infra.config import PlatformConfig, Provider

# provider -> "module:Class" of its top component; imported lazily.
PLATFORMS: dict[Provider, str] = {
    Provider.aws: "components.aws.platform:AwsPlatform",
    Provider.gcp: "components.gcp.platform:GcpPlatform",
    Provider.azure: "components.azure.platform:AzurePlatform",
    Provider.digitalocean: "components.digitalocean.platform:DigitalOceanPlatform",
    Provider.cloudflare: "components.cloudflare.platform:CloudflarePlatform",
}


class Platform(Protocol):
    """What every provider's top component offers the stack.

    Constructor: `(name: str, config: PlatformConfig, opts: ResourceOptions | None = None)`.
    `origin` is the public hostname the multi-cloud edge uses as this provider's origin
    (CDN or load balancer), or None when the provider serves none.
    """

    @property
    def origin(self) -> pulumi.Output[str] | None: ...

    def exports(self) -> dict[str, Any]: ...


def platform_class(provider: Provider) -> type:
    module_name, class_name = PLATFORMS[provider].split(":")
    return getattr(importlib.import_module(module_name), class_name)  # type: ignore[no-any-return]


def build(config: PlatformConfig) -> dict[Provider, Platform]:
    """Declare every enabled provider's platform; returns them by provider."""
    platforms: dict[Provider, Platform] = {}
    for provider in config.enabled_providers:
        if provider is Provider.cloudflare:
            continue  # the edge is built last, in front of the other platforms' origins
        platform = platform_class(provider)(f"qmoi-{provider.value}", config)
        platforms[provider] = platform
        pulumi.export(provider.value, platform.exports())
    if config.cloudflare.enabled:
        from stacks.edge import build_edge

        platforms[Provider.cloudflare] = build_edge(config, platforms)
        pulumi.export(Provider.cloudflare.value, platforms[Provider.cloudflare].exports())
    return platforms
