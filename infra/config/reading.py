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

from infra.config.base import NAMESPACE, ConfigError, Provider
from infra.config.model import PlatformConfig, validate

if TYPE_CHECKING:
    import pulumi

# Secret settings under the namespace. They never enter the model (which is logged and
# echoed in errors); the code that needs one reads it as a Pulumi secret Output.
WORKER_SECRETS_KEY = "worker_secrets"
SECRET_SETTINGS = frozenset({"alert_webhook_url", WORKER_SECRETS_KEY})
# What a secret becomes offline (the offline plan never decrypts): the plan shows it as such.
SECRET_PLACEHOLDER = "[secret]"  # noqa: S105 (placeholder, not a secret)


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
            raw[short] = SECRET_PLACEHOLDER
            continue
        if isinstance(value, str) and value[:1] in "{[":
            try:
                value = json.loads(value)
            except ValueError as exc:
                raise ConfigError(
                    [
                        f"{short}: a value starting with {value[:1]!r} is read as JSON (the engine passes blocks "
                        f"as JSON), and this is not valid JSON ({exc}); write the block as YAML"
                    ]
                ) from None
        raw[short] = value
    return raw


def validate_engine_config(values: Mapping[str, Any], secret_keys: Iterable[str], stack: str) -> PlatformConfig:
    """A stack's configuration as the engine passes it, validated with the checks that need the whole bag.

    Beyond `validate`: a stack must declare something (with every provider disabled, `pulumi up`
    would delete all it has), and each Worker secret binding needs its value in the secret setting
    `worker_secrets` (whose structure is visible when it was set with `--path`).
    """
    secrets = set(secret_keys)
    config = validate(namespace_values(values, secrets), stack)
    problems: list[str] = []
    if not config.enabled_providers:
        problems.append(
            f"{', '.join(f'{p.value}.enabled' for p in Provider)}: no provider is enabled, so the stack would "
            "declare nothing (and `pulumi up` would delete everything it has); enable at least one"
        )
    if config.cloudflare.enabled:
        problems += _worker_secret_problems(config, values.get(f"{NAMESPACE}:{WORKER_SECRETS_KEY}"))
    if problems:
        raise ConfigError(problems)
    return config


def _worker_secret_problems(config: PlatformConfig, raw: Any) -> list[str]:
    wanted = {w: names for w, names in config.cloudflare.secret_bindings.items() if names}
    if not wanted:
        return []
    how = f"set each with `pulumi config set --secret --path '{WORKER_SECRETS_KEY}.<worker>.<NAME>' <value>`"
    if raw is None:
        listing = ", ".join(f"{w}.{n}" for w, names in wanted.items() for n in names)
        return [f"cloudflare.secret_bindings: {listing} need {NAMESPACE}:{WORKER_SECRETS_KEY}, which is not set; {how}"]
    try:
        given = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return []  # one encrypted JSON document: its names are known only to the engine
    if not isinstance(given, dict):
        return []
    return [
        f"cloudflare.secret_bindings.{w}: {n} has no value in {NAMESPACE}:{WORKER_SECRETS_KEY}; {how}"
        for w, names in wanted.items()
        for n in names
        if not (isinstance(given.get(w), dict) and n in given[w])
    ]


def from_pulumi() -> PlatformConfig:
    """The stack's configuration as the Pulumi engine (or the mock runtime) passes it."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    values = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    secret_keys = {*runtime_config.get_config_secret_keys_env(), *runtime_config._SECRET_KEYS.get()}
    try:
        return validate_engine_config(values, secret_keys, pulumi.get_stack())
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
    import pulumi

    wanted = {w: names for w, names in bindings.items() if names}
    if not wanted:
        return {}
    raw = pulumi.Config(NAMESPACE).get_secret(WORKER_SECRETS_KEY)
    if raw is None:
        listing = ", ".join(f"{w}.{n}" for w, names in wanted.items() for n in names)
        raise pulumi.RunError(
            f"{NAMESPACE}:{WORKER_SECRETS_KEY} is not set but cloudflare.secret_bindings needs {listing}; "
            f"set each with `pulumi config set --secret --path '{WORKER_SECRETS_KEY}.<worker>.<NAME>' <value>`"
        )
    return {
        w: {n: pulumi.Output.secret(raw.apply(partial(_worker_secret, worker=w, name=n))) for n in names}
        for w, names in wanted.items()
    }


def _worker_secret(text: str, worker: str, name: str) -> str:
    """One value out of the decrypted JSON (the offline plan passes a placeholder through)."""
    try:
        value = json.loads(text)[worker][name]
    except (ValueError, KeyError, TypeError):
        if text == SECRET_PLACEHOLDER:
            return text
        raise ValueError(f"{NAMESPACE}:{WORKER_SECRETS_KEY} has no value for {worker}.{name}") from None
    if not isinstance(value, str):
        raise ValueError(f"{NAMESPACE}:{WORKER_SECRETS_KEY}.{worker}.{name} must be a string")
    return value
