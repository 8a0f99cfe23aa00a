"""The shape every provider's top component shares: `ProviderPlatform`.

A platform is built in three steps, the same on every provider: the explicit provider
resource (pinning region / project / subscription / credentials, never ambient settings),
the capability components composed with `child` options (parent and provider), and the
component's outputs registered from `exports()`. Subclasses supply the provider and the
composition; the steps and the helpers that turn the configuration into provider-neutral
specs (bucket classes, tiers, function plans, budget share) live here once.

Capability components take `(name, args, ctx, opts)`, where `args` is a frozen dataclass
with the same neutral field names on every provider (`functions`, `buckets`, `tiers`, ...).
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import replace
from typing import Any, ClassVar, TypeVar

import pulumi

from components.context import StackContext
from components.specs import BucketSpec, BudgetArgs, FunctionPlan, TierSpec, bucket_specs, function_plans
from infra.config import FunctionSpec, PlatformConfig, Provider, Tier

B = TypeVar("B", bound=BudgetArgs)


class ProviderPlatform(pulumi.ComponentResource):
    """One provider's half of a stack. `origin` is what the multi-cloud edge puts in front of it."""

    PROVIDER: ClassVar[Provider]
    PACKAGE: ClassVar[str]  # the SDK package name that ResourceOptions.providers keys on

    config: PlatformConfig
    ctx: StackContext
    provider: pulumi.ProviderResource
    child: pulumi.ResourceOptions

    def __init__(
        self,
        name: str,
        config: PlatformConfig,
        opts: pulumi.ResourceOptions | None = None,
        *,
        alert_webhook: pulumi.Output[str] | None = None,
    ) -> None:
        super().__init__(f"qmoi:{self.PROVIDER.value}:Platform", name, None, opts)
        self.config = config
        # The secret alert webhook (stacks.platform_secrets reads it) travels with the stack's other facts.
        self.ctx = replace(StackContext.from_config(config), alert_webhook=alert_webhook)
        self.provider = self._declare_provider(name, pulumi.ResourceOptions(parent=self))
        self.child = pulumi.ResourceOptions(parent=self, providers={self.PACKAGE: self.provider})
        self._compose(name)
        self.register_outputs(self.exports())

    @abstractmethod
    def _declare_provider(self, name: str, opts: pulumi.ResourceOptions) -> pulumi.ProviderResource:
        """The explicit provider every child uses."""

    @abstractmethod
    def _compose(self, name: str) -> None:
        """Declare the capability components (with `self.child` options)."""

    @abstractmethod
    def exports(self) -> dict[str, Any]:
        """The stack outputs of this provider."""

    @property
    def origin(self) -> pulumi.Output[str] | None:
        """The public hostname the edge uses as this provider's origin, or None when it serves none."""
        return None

    @property
    def health_path(self) -> str | None:
        """A path the origin answers with 2xx, created by this program (the edge's monitor probes it)."""
        return None

    # --- the configuration as provider-neutral specs ----------------------------------

    @property
    def environment(self) -> str:
        return self.config.environment.value

    def bucket_specs(self, base: str) -> list[BucketSpec]:
        """Every bucket class, named `<base>-<token>-<class>` (unique per stack), with the stack's storage settings."""
        return bucket_specs(base, self.config.names, self.config.storage.classes())

    def bucket_name(self, base: str, role: str) -> str:
        """Another bucket of this stack (e.g. `logs`), named like the classes: `<base>-<token>-<role>`."""
        return self.config.names.bucket(base, role)

    def tier_specs(self) -> list[TierSpec]:
        """Every compute tier with this provider's size and the environment's scaling."""
        machines = self.config.tier_machines(self.PROVIDER)
        return [TierSpec(t, machines[t].size, getattr(self.config.autoscaling, t.value)) for t in Tier]

    def function_plans(self, functions: dict[str, FunctionSpec]) -> list[FunctionPlan]:
        """The enabled functions, with the stack's function defaults applied."""
        return function_plans(functions, self.config.functions)

    def budget_args(self, args_type: type[B] = BudgetArgs, **wiring: Any) -> B:  # type: ignore[assignment]
        """This provider's share of the stack budget, as `args_type` (a BudgetArgs) with its `wiring`."""
        return args_type(**vars(BudgetArgs.for_provider(self.config, self.PROVIDER)), **wiring)
