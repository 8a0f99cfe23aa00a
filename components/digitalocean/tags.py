"""DigitalOcean tags: plain strings (letters, digits, `:`, `-`, `_`), so key/value tags become `key:value`.

Firewalls and monitor alerts select droplets by tag, which makes the tier tag the membership
of a tier: every droplet of a pool carries it, and nothing else does.
"""

from __future__ import annotations

from infra.config import Tier


def droplet_tags(tags: dict[str, str]) -> list[str]:
    """The stack's required tags as DigitalOcean tag strings, e.g. `environment:dev`."""
    return [f"{key}:{value}" for key, value in tags.items()]


def tier_tag(environment: str, tier: Tier) -> str:
    return f"qmoi-{environment}-{tier.value}"
