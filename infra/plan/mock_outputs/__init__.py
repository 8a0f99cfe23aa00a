"""Per-provider rules for realistic mock outputs (one module per provider); see infra/plan/mocks.py."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MockContext:
    """What output rules may use to make values realistic."""

    account_id: str = "123456789012"
    region: str = "us-east-1"

    @staticmethod
    def short_id(name: str, length: int = 8) -> str:
        """A stable pseudo-random id per resource name (the same plan gives the same ids)."""
        return hashlib.sha256(name.encode()).hexdigest()[:length]


OutputRule = Callable[[str, dict[str, Any], MockContext], dict[str, Any]]
