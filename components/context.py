"""The stack-wide facts every component needs, and the one place that decides a child's options.

`StackContext.child(self, stateful=True)` is how stateful children (buckets, keys, backups,
resource groups) are protected and retained on delete in prod: components never set
`protect` or `retain_on_delete` by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from infra.config import PlatformConfig
from infra.config.naming import StackNames

STACK_TAG = "stack"  # the tag (label) whose value tells this stack's resources from its siblings'


@dataclass(frozen=True)
class StackContext:
    """The stack-wide facts a component needs, typed and provider-neutral.

    `environment` is what the stack is (dev/staging/prod: tags, settings); `names` is who it is:
    physical names derive from `names.prefix` (`qmoi-<token>`), so stacks live side by side.
    """

    environment: str
    tags: dict[str, str]
    protect_stateful: bool
    log_retention_days: int
    alert_emails: tuple[str, ...]
    names: StackNames | None = None
    force_destroy_buckets: bool = False
    """Destroying a bucket deletes its objects first (dev profile; never prod)."""
    alert_webhook: pulumi.Input[str] | None = None
    """The secret `qmoi-cloud:alert_webhook_url` (a secret Output), where the alert channels also post; None
    when unset. Read by infra/config (stacks.build passes it), never printed."""

    @classmethod
    def from_config(cls, config: PlatformConfig) -> StackContext:
        return cls(
            environment=config.environment.value,
            tags=config.tags_for(),
            protect_stateful=config.protect_stateful,
            log_retention_days=config.log_retention_days,
            alert_emails=tuple(config.budget.alert_emails),
            names=config.names,
            force_destroy_buckets=config.force_destroy_buckets,
        )

    @property
    def stack_names(self) -> StackNames:
        return self.names or StackNames(self.environment, self.environment)

    @property
    def prefix(self) -> str:
        """`qmoi-<token>`: the start of every physical name this stack declares."""
        return self.stack_names.prefix

    @property
    def stack_tag(self) -> str:
        """The value of the `stack` tag: what budgets and alerts select this stack's resources by."""
        return self.tags.get(STACK_TAG, self.stack_names.token)

    def force_destroy(self, disposable: bool = False) -> bool:
        """Whether destroying a bucket deletes its objects: always for disposable ones (caches), else by stack."""
        return disposable or self.force_destroy_buckets

    def tags_with(self, **extra: str) -> dict[str, str]:
        return {**self.tags, **extra}

    def child(
        self,
        parent: pulumi.Resource,
        *,
        stateful: bool = False,
        protect: bool | None = None,
        retain_on_delete: bool | None = None,
        depends_on: pulumi.Input[Sequence[pulumi.Input[pulumi.Resource]] | pulumi.Resource] | None = None,
        provider: pulumi.ProviderResource | None = None,
        ignore_changes: list[str] | None = None,
        delete_before_replace: bool | None = None,
        replace_on_changes: list[str] | None = None,
    ) -> pulumi.ResourceOptions:
        """Options for a component's child; stateful children are protected and retained in prod."""
        if stateful and self.protect_stateful:
            protect = True if protect is None else protect
            retain_on_delete = True if retain_on_delete is None else retain_on_delete
        return pulumi.ResourceOptions(
            parent=parent,
            protect=protect,
            retain_on_delete=retain_on_delete,
            depends_on=depends_on,
            provider=provider,
            ignore_changes=ignore_changes,
            delete_before_replace=delete_before_replace,
            replace_on_changes=replace_on_changes,
        )
