"""Customer-managed KMS keys: one shape for every AWS component.

Rotation on, a 30-day deletion window, an alias `alias/<stack prefix>-<role>`, and an explicit
key policy (`policy_documents.key_policy`), unless the key's consumer writes the policy
itself after the resource it names exists (`policy=None`, e.g. the CDN's media key). Keys are
stateful: losing one loses what it encrypts, so prod protects and retains them.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.context import StackContext


def customer_key(
    parent: pulumi.Resource,
    resource: str,
    role: str,
    description: str,
    policy: pulumi.Input[str] | None,
    ctx: StackContext,
    *,
    region: str | None = None,
) -> aws.kms.Key:
    """A rotating key named `resource` (alias `alias/<stack prefix>-<role>`), child of `parent`, in the
    provider's region unless `region` says otherwise (a key serves its own region only)."""
    key = aws.kms.Key(
        resource,
        description=f"qmoi {ctx.environment} {description}",
        enable_key_rotation=True,
        deletion_window_in_days=30,
        policy=policy,
        region=region,
        tags=ctx.tags_with(role=f"{role}-key"),
        opts=ctx.child(parent, stateful=True),
    )
    aws.kms.Alias(
        f"{resource}-alias",
        name=f"alias/{ctx.prefix}-{role}",
        target_key_id=key.key_id,
        region=region,
        opts=ctx.child(parent),
    )
    return key
