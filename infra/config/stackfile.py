"""Reading `Pulumi.<stack>.yaml` the way the Pulumi CLI hands it to the program.

The CLI passes every config value as a string (objects as JSON) and marks `secure:`
values secret. The offline plan does the same, with a placeholder for each secret, so the
program cannot tell the two runners apart, and no secret is ever decrypted here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from infra.config.base import NAMESPACE, ROOT, ConfigError
from infra.config.reading import namespace_values

# The stack files this repository ships (Pulumi.<stack>.yaml), in promotion order.
SHIPPED_STACKS = ("dev", "staging", "prod")
SECRET_PLACEHOLDER = "[secret]"  # noqa: S105 (placeholder, not a secret)

# Credentials that must never be plain text in a stack file (providers' own config keys).
CREDENTIAL_KEYS = frozenset(
    {
        "cloudflare:apiToken",
        "cloudflare:apiKey",
        "digitalocean:token",
        "digitalocean:spacesAccessId",
        "digitalocean:spacesSecretKey",
        "aws:secretKey",
        "aws:accessKey",
        "azure-native:clientSecret",
        "gcp:credentials",
        f"{NAMESPACE}:alert_webhook_url",
    }
)


@dataclass(frozen=True)
class StackFile:
    """A stack's config as the engine would pass it: string values plus secret keys."""

    stack: str
    config: dict[str, str]
    secret_keys: list[str] = field(default_factory=list)

    @property
    def platform(self) -> dict[str, Any]:
        """The `qmoi-cloud:` keys, decoded, ready for `infra.config.validate`."""
        return namespace_values(self.config, self.secret_keys)


def stack_path(stack: str, root: Path = ROOT) -> Path:
    return root / f"Pulumi.{stack}.yaml"


def _holds_secure(value: Any) -> bool:
    """A `secure:` value, or an object with one inside (`pulumi config set --secret --path` writes those)."""
    if isinstance(value, dict):
        return set(value) == {"secure"} or any(_holds_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_secure(v) for v in value)
    return False


def _as_engine_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value)


def load_stack_file(stack: str, path: Path | None = None) -> StackFile:
    """Read a stack file. Raises ConfigError for a missing file or a plaintext credential."""
    path = path or stack_path(stack)
    if not path.is_file():
        raise ConfigError([f"stack {stack!r}: no stack file {path.name} (stacks: {', '.join(SHIPPED_STACKS)})"])
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError([f"{path.name}: not valid YAML: {exc}"]) from None
    entries = document.get("config") or {}
    if not isinstance(entries, dict):
        raise ConfigError([f"{path.name}: 'config' must be a mapping of keys to values"])
    config: dict[str, str] = {}
    secret_keys: list[str] = []
    problems: list[str] = []
    for key, value in entries.items():
        if ":" not in str(key):
            problems.append(f"{key}: config keys are namespaced, e.g. '{NAMESPACE}:{key}'")
            continue
        if _holds_secure(value):
            config[key] = SECRET_PLACEHOLDER
            secret_keys.append(key)
        elif key in CREDENTIAL_KEYS:
            problems.append(
                f"{key}: a credential must not be plain text in a stack file; "
                f"use `pulumi config set --secret {key}` or the provider's environment variable"
            )
        else:
            config[key] = _as_engine_string(value)
    if problems:
        raise ConfigError(problems)
    return StackFile(stack=stack, config=config, secret_keys=secret_keys)
