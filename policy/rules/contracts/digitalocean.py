"""Deploy contracts of DigitalOcean: what the cloud or a consuming service requires of a combination of resources."""

from __future__ import annotations

from policy.rules.base import Rule

RULES: list[Rule] = []
