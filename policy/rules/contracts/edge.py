"""Deploy contracts across clouds: the multi-cloud edge in front of the origins, and stacks side by side."""

from __future__ import annotations

from policy.rules.base import Rule

RULES: list[Rule] = []
