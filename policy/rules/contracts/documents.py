"""Reading IAM-style policy documents (bucket, topic, endpoint and key policies) as the contracts need them.

Documents arrive as JSON text (or objects); a document built from values unknown at preview is
`UNKNOWN`, and a check never reports a violation on what it cannot read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from typing import Any

from policy.rules.base import UNKNOWN, Res, Stack, as_json, known

KMS_KEY = "aws:kms/key:Key"
KMS_KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy"
# Condition keys that tie a service principal's access to this account's resources.
SOURCE_KEYS = ("aws:sourcearn", "aws:sourceaccount", "aws:sourceowner", "kms:viaservice", "kms:callerAccount")
SOURCE_PREFIXES = ("kms:encryptioncontext:",)


def statements(policy: Any) -> list[Mapping[str, Any]] | Any:
    """The statements of a document; UNKNOWN when the document is not known (preview)."""
    if not known(policy):
        return UNKNOWN
    document = as_json(policy)
    if not isinstance(document, Mapping):
        return []
    found = document.get("Statement", [])
    found = [found] if isinstance(found, Mapping) else found
    return [s for s in found if isinstance(s, Mapping)] if isinstance(found, list) else []


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def services(statement: Mapping[str, Any]) -> set[str]:
    principal = statement.get("Principal")
    if isinstance(principal, Mapping):
        return {str(s) for s in _listed(principal.get("Service"))}
    return set()


def public(statement: Mapping[str, Any]) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    return isinstance(principal, Mapping) and "*" in _listed(principal.get("AWS"))


def covers(statement: Mapping[str, Any], action: str) -> bool:
    """Whether the statement's Action list (with wildcards) covers `action` (case-insensitive)."""
    return any(fnmatchcase(action.lower(), str(a).lower()) for a in _listed(statement.get("Action")))


def resources(statement: Mapping[str, Any]) -> list[str]:
    return [str(r) for r in _listed(statement.get("Resource"))]


def condition_keys(statement: Mapping[str, Any]) -> set[str]:
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return set()
    return {str(k).lower() for block in condition.values() if isinstance(block, Mapping) for k in block}


def source_bound(statement: Mapping[str, Any]) -> bool:
    """Whether a grant is tied to this account's resources by a source (or key usage) condition."""
    keys = condition_keys(statement)
    return bool(keys & {k.lower() for k in SOURCE_KEYS}) or any(k.startswith(SOURCE_PREFIXES) for k in keys)


def allows(found: Iterable[Mapping[str, Any]], service: str, *actions: str) -> list[Mapping[str, Any]]:
    """The Allow statements that give a service principal matching `service` (a name or a glob, e.g.
    `logs.*.amazonaws.com`) every one of `actions`."""
    return [
        s
        for s in found
        if s.get("Effect") == "Allow"
        and any(fnmatchcase(p, service) for p in services(s))
        and all(covers(s, a) for a in actions)
    ]


def key_policy_writers(stack: Stack, key: Res) -> list[Res]:
    """What writes the key's policy: the key itself (inline `policy`) and every KeyPolicy naming it."""
    writers = [key] if key.get("policy") else []
    return writers + stack.attached(key, KMS_KEY_POLICY, "keyId", [key.get("keyId")])


def key_statements(stack: Stack, key: Res) -> list[Mapping[str, Any]] | Any:
    """The effective key policy's statements: [] when there is no explicit policy (AWS's default
    policy grants the account only, never a service principal); UNKNOWN when not readable."""
    found: list[Mapping[str, Any]] = []
    for writer in key_policy_writers(stack, key):
        listed = statements(writer.get("policy"))
        if not known(listed):
            return UNKNOWN
        found += listed
    return found


def key_of(stack: Stack, res: Res, prop: str, value: Any = None) -> Res | None:
    """The KMS key a property refers to (by dependency, else by its id/ARN value)."""
    for key in stack.of(KMS_KEY):
        if res.depends_on(prop, key.urn):
            return key
    if isinstance(value, str) and value:
        return next((k for k in stack.of(KMS_KEY) if value in (k.get("arn"), k.get("keyId"))), None)
    return None
