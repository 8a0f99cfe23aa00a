"""Reading the configuration as the Pulumi engine passes it: the `qmoi-cloud:` config bag and secrets.

The engine (and the mock runtime) hands the program every config value as a string (objects
as JSON) and says which keys are secret. `namespace_values` turns that bag into the raw
mapping `validate` takes; `from_pulumi` does it for the running program. Secret settings never
enter the model: the code that needs one reads it here as a secret Output.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from infra.config.base import NAMESPACE, ConfigError
from infra.config.model import PlatformConfig, validate

if TYPE_CHECKING:
    import pulumi

# Secret settings under the namespace. They never enter the model (which is logged and
# echoed in errors); the code that needs one reads it as a Pulumi secret Output.
WORKER_SECRETS_KEY = "worker_secrets"
FUNCTION_SECRETS_KEY = "function_secrets"
SECRET_SETTINGS = frozenset({"alert_webhook_url", WORKER_SECRETS_KEY, FUNCTION_SECRETS_KEY})


def namespace_values(values: Mapping[str, Any], secret_keys: Iterable[str] = ()) -> dict[str, Any]:
    """`qmoi-cloud:<key>` entries of a Pulumi config bag, JSON values decoded.

    Known secret settings are left out; an unknown secret key stays in, so validation
    reports it as an unknown key (without its value).
    """
    secrets = set(secret_keys)
    raw: dict[str, Any] = {}
    for key, value in values.items():
        if not key.startswith(f"{NAMESPACE}:"):
            continue
        short = key.removeprefix(f"{NAMESPACE}:")
        if short in SECRET_SETTINGS:
            continue  # even when the caller does not say which keys are secret (e.g. the policy pack)
        if key in secrets:
            raw[short] = "[secret]"
            continue
        if isinstance(value, str) and value[:1] in "{[":
            value = json.loads(value)
        raw[short] = value
    return raw


def from_pulumi() -> PlatformConfig:
    """The stack's configuration as the Pulumi engine (or the mock runtime) passes it."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    values = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    secret_keys = {*runtime_config.get_config_secret_keys_env(), *runtime_config._SECRET_KEYS.get()}
    try:
        return validate(namespace_values(values, secret_keys), pulumi.get_stack())
    except ConfigError as exc:
        # RunError is reported by the engine as a plain message, without a traceback.
        raise pulumi.RunError(str(exc)) from None


def cloudflare_api_token() -> pulumi.Output[str] | None:
    """`cloudflare:apiToken` as a secret Output, or None to let the provider read CLOUDFLARE_API_TOKEN.

    An explicit provider does not read the stack's `cloudflare:` config by itself, so the token is
    passed on from here; a plaintext token never reaches this point (infra/config/stackfile.py rejects it).
    """
    import pulumi

    return pulumi.Config("cloudflare").get_secret("apiToken")


def worker_secrets(bindings: Mapping[str, list[str]]) -> dict[str, dict[str, pulumi.Output[str]]]:
    """Secret values of the Workers' secret_text bindings, as secret Outputs: {worker: {NAME: value}}.

    `bindings` (worker -> binding names) is the non-secret `cloudflare.secret_bindings`; the values
    come only from the secret config `qmoi-cloud:worker_secrets`, a JSON object {worker: {NAME: value}}
    set with `pulumi config set --secret --path 'worker_secrets.<worker>.<NAME>' <value>`.
    """
    return secret_settings(WORKER_SECRETS_KEY, bindings, "cloudflare.secret_bindings")


def function_secrets(needed: Mapping[str, list[str]]) -> dict[str, dict[str, pulumi.Output[str]]]:
    """Secret environment values of serverless functions, as secret Outputs: {function: {NAME: value}}.

    `needed` (function -> variable names) is what the functions' code asks for (DigitalOcean:
    the `${NAME}` references of functions/<name>/project.yml); the values come only from the secret
    config `qmoi-cloud:function_secrets`, {function: {NAME: value}}, set with
    `pulumi config set --secret --path 'function_secrets.<function>.<NAME>' <value>`.
    """
    return secret_settings(FUNCTION_SECRETS_KEY, needed, "the functions' code")


def secret_settings(
    key: str, wanted: Mapping[str, list[str]], needed_by: str
) -> dict[str, dict[str, pulumi.Output[str]]]:
    """{owner: {NAME: secret Output}} out of the secret config `qmoi-cloud:<key>` ({owner: {NAME: value}})."""
    import pulumi

    wanted = {w: names for w, names in wanted.items() if names}
    if not wanted:
        return {}
    raw = pulumi.Config(NAMESPACE).get_secret(key)
    if raw is None:
        listing = ", ".join(f"{w}.{n}" for w, names in wanted.items() for n in names)
        raise pulumi.RunError(
            f"{NAMESPACE}:{key} is not set but {needed_by} needs {listing}; "
            f"set each with `pulumi config set --secret --path '{key}.<name>.<NAME>' <value>`"
        )
    return {
        w: {n: pulumi.Output.secret(raw.apply(partial(_secret_value, key=key, owner=w, name=n))) for n in names}
        for w, names in wanted.items()
    }


def _secret_value(text: str, key: str, owner: str, name: str) -> str:
    """One value out of the decrypted JSON (the offline plan passes a placeholder through)."""
    try:
        value = json.loads(text)[owner][name]
    except (ValueError, KeyError, TypeError):
        if text == "[secret]":
            return text
        raise ValueError(f"{NAMESPACE}:{key} has no value for {owner}.{name}") from None
    if not isinstance(value, str):
        raise ValueError(f"{NAMESPACE}:{key}.{owner}.{name} must be a string")
    return value
