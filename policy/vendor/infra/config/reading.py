# GENERATED from infra/config/reading.py by `python -m infra policies --write-config`: do not edit (policy/vendor/README.md).
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
FUNCTION_SECRETS_KEY = "function_secrets"
ALERT_WEBHOOK_KEY = "alert_webhook_url"
SECRET_SETTINGS = frozenset({ALERT_WEBHOOK_KEY, WORKER_SECRETS_KEY, FUNCTION_SECRETS_KEY})
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


def validate_engine_config(
    values: Mapping[str, Any], secret_keys: Iterable[str], stack: str, *, require_secrets: bool = False
) -> PlatformConfig:
    """A stack's configuration as the engine passes it, validated with the checks that need the whole bag.

    Beyond `validate`: a stack must declare something (with every provider disabled, `pulumi up`
    would delete all it has), and each secret the stack needs (Worker secret bindings, the
    variables the functions' code takes from its environment) must have its value in its secret
    setting: a setting whose structure is visible (set with `--path`) and lacks a name is always an
    error; a setting that is not set at all is one only with `require_secrets` (the program under
    the engine, before it declares anything), while the offline plan uses a placeholder and says so.
    """
    secrets = set(secret_keys)
    config = validate(namespace_values(values, secrets), stack)
    problems: list[str] = []
    if not config.enabled_providers:
        problems.append(
            f"{', '.join(f'{p.value}.enabled' for p in Provider)}: no provider is enabled, so the stack would "
            "declare nothing (and `pulumi up` would delete everything it has); enable at least one"
        )
    for key, (needed_by, wanted) in required_secrets(config).items():
        raw = values.get(f"{NAMESPACE}:{key}")
        if raw is None and not require_secrets:
            continue
        problems += _secret_setting_problems(key, needed_by, wanted, raw)
    if problems:
        raise ConfigError(problems)
    return config


def required_secrets(config: PlatformConfig) -> dict[str, tuple[str, dict[str, list[str]]]]:
    """Secret setting -> (what asks for it, {owner: [NAME, ...]}) for the secrets this stack needs."""
    found: dict[str, tuple[str, dict[str, list[str]]]] = {}
    if config.cloudflare.enabled:
        bindings = {w: list(names) for w, names in config.cloudflare.secret_bindings.items() if names}
        if bindings:
            found[WORKER_SECRETS_KEY] = ("cloudflare.secret_bindings", bindings)
    if config.digitalocean.enabled:
        envs = {f: list(names) for f, names in config.digitalocean.secret_env_names().items() if names}
        if envs:
            found[FUNCTION_SECRETS_KEY] = ("digitalocean.functions (their project.yml)", envs)
    return found


def _secret_setting_problems(key: str, needed_by: str, wanted: Mapping[str, list[str]], raw: Any) -> list[str]:
    how = f"set each with `pulumi config set --secret --path '{key}.<name>.<NAME>' <value>`"
    if raw is None:
        listing = ", ".join(f"{w}.{n}" for w, names in wanted.items() for n in names)
        return [f"{needed_by}: {listing} need {NAMESPACE}:{key}, which is not set; {how}"]
    try:
        given = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return []  # one encrypted JSON document: its names are known only to the engine
    if not isinstance(given, dict):
        return []
    return [
        f"{needed_by.split(' ', 1)[0]}.{w}: {n} has no value in {NAMESPACE}:{key}; {how}"
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
        return validate_engine_config(values, secret_keys, pulumi.get_stack(), require_secrets=True)
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


def alert_webhook_url() -> pulumi.Output[str] | None:
    """`qmoi-cloud:alert_webhook_url` as a secret Output (the alert channels also post there), or None when unset.

    Set with `pulumi config set --secret qmoi-cloud:alert_webhook_url https://...`; an https URL is
    required (SNS https subscriptions, GCP webhook channels and Azure webhook receivers all post over TLS).
    """
    import pulumi

    value = pulumi.Config(NAMESPACE).get_secret(ALERT_WEBHOOK_KEY)
    return None if value is None else pulumi.Output.secret(value.apply(_https_url))


def _https_url(text: str) -> str:
    if text == SECRET_PLACEHOLDER or text.startswith("https://"):
        return text
    # The value is a secret: the error names the setting, never the value.
    raise ValueError(f"{NAMESPACE}:{ALERT_WEBHOOK_KEY} must be an https:// URL")


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
        if text == SECRET_PLACEHOLDER:
            return text
        raise ValueError(f"{NAMESPACE}:{key} has no value for {owner}.{name}") from None
    if not isinstance(value, str):
        raise ValueError(f"{NAMESPACE}:{key}.{owner}.{name} must be a string")
    return value
