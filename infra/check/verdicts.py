"""What the policy pack said about a plan: its diagnostics as verdicts, and the report of one run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Verdict:
    """One diagnostic of the pack: a violation (mandatory/advisory) or an informational note."""

    policy: str
    level: str
    severity: str
    message: str
    urn: str | None = None
    resource: str | None = None
    resource_type: str | None = None

    @property
    def detail(self) -> str:
        """The message without the policy description the SDK puts on its first line."""
        return self.message.split("\n", 1)[-1]

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "level": self.level,
            "severity": self.severity,
            "resource": self.resource,
            "type": self.resource_type,
            "urn": self.urn,
            "message": self.detail,
        }


@dataclass
class PolicyReport:
    """What the pack said about one plan."""

    stack: str
    pack: str
    resources_checked: int
    policies_applied: int
    violations: list[Verdict] = field(default_factory=list)
    notes: list[Verdict] = field(default_factory=list)
    not_evaluated: dict[str, str] = field(default_factory=dict)
    elapsed_s: float = 0.0

    @property
    def mandatory(self) -> list[Verdict]:
        return [v for v in self.violations if v.level == "mandatory"]

    @property
    def advisory(self) -> list[Verdict]:
        return [v for v in self.violations if v.level != "mandatory"]

    @property
    def passed(self) -> bool:
        return not self.mandatory

    def summary_line(self) -> str:
        return (
            f"checked {self.resources_checked} resources against {self.policies_applied} policies: "
            f"{len(self.mandatory)} mandatory violations, {len(self.advisory)} advisory"
        )

    def for_resource(self, urn: str) -> list[Verdict]:
        return [v for v in self.violations + self.notes if v.urn == urn]

    def to_json(self) -> dict[str, Any]:
        return {
            "pack": self.pack,
            "resourcesChecked": self.resources_checked,
            "policiesApplied": self.policies_applied,
            "mandatory": len(self.mandatory),
            "advisory": len(self.advisory),
            "passed": self.passed,
            "violations": [v.to_json() for v in self.violations],
            "notes": [v.to_json() for v in self.notes],
            "notEvaluated": self.not_evaluated,
        }
