"""The multi-cloud edge: Cloudflare, built last, in front of the other clouds' origins.

`build_edge` collects each built platform's `origin` output (CloudFront domain, GCP load
balancer address, Azure Front Door endpoint, DigitalOcean CDN/app endpoint), never a literal
hostname, reads the Cloudflare secrets through infra/config.py, and declares the
Cloudflare platform with them. `pulumi_cloudflare` is imported here only on call, so a stack
with Cloudflare disabled never pays for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pulumi

from infra.config import PlatformConfig, Provider, cloudflare_api_token, worker_secrets

if TYPE_CHECKING:
    from stacks import Platform


def origins_of(platforms: Mapping[Provider, Platform]) -> dict[Provider, pulumi.Output[str]]:
    """Each built cloud's origin hostname, in build (config) order; clouds without one are left out."""
    return {p: platform.origin for p, platform in platforms.items() if platform.origin is not None}


def build_edge(
    config: PlatformConfig, platforms: Mapping[Provider, Platform], name: str = "qmoi-cloudflare"
) -> Platform:
    """Declare the Cloudflare platform in front of `platforms`' origins."""
    from components.cloudflare.platform import CloudflarePlatform, CloudflareSecrets

    secrets = CloudflareSecrets(
        api_token=cloudflare_api_token(), workers=worker_secrets(config.cloudflare.secret_bindings)
    )
    return CloudflarePlatform(name, config, origins=origins_of(platforms), secrets=secrets)
