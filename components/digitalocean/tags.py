"""DigitalOcean tags: plain strings (letters, digits, `:`, `-`, `_`), so key/value tags become `key:value`.

Firewalls and monitor alerts select droplets by tag, which makes the tier tag the membership
of a tier: every droplet of a pool carries it, and nothing else does.
"""

from __future__ import annotations

from infra.config import Tier


def droplet_tags(tags: dict[str, str]) -> list[str]:
    """The stack's required tags as DigitalOcean tag strings, e.g. `environment:dev`."""
    return [f"{key}:{value}" for key, value in tags.items()]


def tier_tag(prefix: str, tier: Tier) -> str:
    """The tag that makes a droplet a member of a tier of one stack (`qmoi-<token>-<tier>`): tags are
    shared by the whole team, so two stacks with the same tag would select each other's droplets."""
    return f"{prefix}-{tier.value}"
