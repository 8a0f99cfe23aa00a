# GENERATED from infra/config/stackfile.py by `python -m infra policies --write-config`: do not edit (policy/vendor/README.md).
"""Reading `Pulumi.<stack>.yaml` the way the Pulumi CLI hands it to the program.

The CLI passes every config value as a string (objects as JSON) and marks `secure:`
values secret. The offline plan does the same, with a placeholder for each secret, so the
program cannot tell the two runners apart, and no secret is ever decrypted here.

Reading fails closed, with a `ConfigError` naming the key path (and the line) for anything
the CLI would read differently or a cloud would refuse: bytes that are not UTF-8, malformed
YAML, a key given twice (the last would silently win while a reviewer reads the first),
a namespace or provider setting that does not exist, a credential or secret setting in
plain text, a `secure:` value that cannot be ciphertext, and a configuration too large to
reach the program and the policy pack (both get it in one environment variable).
"""

from __future__ import annotations

import base64
import binascii
import difflib
import importlib.util
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from infra.config.base import NAMESPACE, ROOT, ConfigError, shown
from infra.config.reading import SECRET_PLACEHOLDER, SECRET_SETTINGS, namespace_values, validate_engine_config

if TYPE_CHECKING:
    from infra.config.model import PlatformConfig

# The stack files this repository ships (Pulumi.<stack>.yaml), in promotion order.
SHIPPED_STACKS = ("dev", "staging", "prod")

# Pulumi's own rule for stack names (`validateStackName` in the CLI).
STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
# What a stack file may hold besides `config` (the CLI's ProjectStack fields).
STACK_FILE_KEYS = ("config", "secretsprovider", "encryptedkey", "encryptionsalt")

# Config namespaces the program reads: its own, and the providers' (each SDK's config/vars.py).
PROVIDER_PACKAGES = {
    "aws": "pulumi_aws",
    "gcp": "pulumi_gcp",
    "azure-native": "pulumi_azure_native",
    "cloudflare": "pulumi_cloudflare",
    "digitalocean": "pulumi_digitalocean",
}
NAMESPACES = (NAMESPACE, *PROVIDER_PACKAGES, "pulumi")

# Provider settings that are credentials (from each SDK's config/vars.py; a test keeps the list
# complete): they must be `secure:` values or come from the provider's environment variables.
CREDENTIAL_KEYS = frozenset(
    {
        "aws:accessKey",
        "aws:secretKey",
        "aws:token",
        "gcp:accessToken",
        "gcp:credentials",
        "gcp:externalCredentials",
        "azure-native:clientSecret",
        "azure-native:clientCertificatePassword",
        "azure-native:oidcRequestToken",
        "azure-native:oidcToken",
        "cloudflare:apiKey",
        "cloudflare:apiToken",
        "cloudflare:apiUserServiceKey",
        "digitalocean:token",
        "digitalocean:spacesAccessId",
        "digitalocean:spacesSecretKey",
    }
)
# Credentials inside a structured provider setting (key -> the fields that are secret).
NESTED_CREDENTIALS = {"aws:assumeRoleWithWebIdentity": ("webIdentityToken",)}
# Everything that must never be plain text: the providers' credentials and the platform's secret settings.
SECRET_KEYS = CREDENTIAL_KEYS | {f"{NAMESPACE}:{key}" for key in SECRET_SETTINGS}

# The engine passes the whole configuration to the program and to the policy pack in one
# environment variable (PULUMI_CONFIG); Linux limits one variable to 128 KiB (MAX_ARG_STRLEN),
# counting "PULUMI_CONFIG=" and the terminating NUL.
ENGINE_CONFIG_LIMIT_BYTES = 128 * 1024 - len("PULUMI_CONFIG=") - 1
# Larger than any stack file worth reading (the YAML is parsed before the size can be judged).
FILE_LIMIT_BYTES = 1024 * 1024
# Values a document may expand to through YAML aliases (a "billion laughs" is refused).
EXPANDED_NODE_LIMIT = 100_000

# `pulumi config set --secret` writes AES-256-GCM ciphertext: `v1:<nonce>:<ciphertext>` (passphrase
# and cloud KMS secrets managers) or plain base64 (Pulumi Cloud); a GCM ciphertext has a 16-byte tag.
_CIPHERTEXT_V1 = re.compile(r"^v1:([A-Za-z0-9+/]+={0,2}):([A-Za-z0-9+/]+={0,2})$")
_CIPHERTEXT_B64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
_GCM_NONCE_BYTES, _GCM_TAG_BYTES = 12, 16


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

    def validated(self) -> PlatformConfig:
        """The validated configuration, with the checks that need the whole stack (secrets, providers)."""
        return validate_engine_config(self.config, self.secret_keys, self.stack)


def stack_path(stack: str, root: Path = ROOT) -> Path:
    return root / f"Pulumi.{stack}.yaml"


def stack_name_problem(stack: str) -> str | None:
    if STACK_NAME.match(stack):
        return None
    return (
        f"stack {shown(stack)}: a Pulumi stack name has 1-100 characters: letters, digits, hyphens, "
        "underscores and periods"
    )


def load_stack_file(stack: str, path: Path | None = None) -> StackFile:
    """Read a stack file the way the CLI reads it. Raises ConfigError naming the key path of every problem."""
    if problem := stack_name_problem(stack):
        raise ConfigError([problem])
    path = path or stack_path(stack)
    try:
        data = path.read_bytes() if path.is_file() else None
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read the stack file: {exc.strerror}"]) from None
    if data is None:
        raise ConfigError([f"stack {stack!r}: no stack file {path.name} (stacks: {', '.join(SHIPPED_STACKS)})"])
    if len(data) > FILE_LIMIT_BYTES:
        raise ConfigError([f"{path.name}: {len(data):,} bytes is larger than any stack file ({FILE_LIMIT_BYTES:,})"])
    document = _parse(path.name, data)
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise ConfigError([f"{path.name}: (top level): a stack file is a mapping with a 'config' key, not a list"])
    problems = [
        f"{key}: unknown stack file key; expected one of: {', '.join(STACK_FILE_KEYS)}"
        for key in document
        if key not in STACK_FILE_KEYS
    ]
    entries = document.get("config") or {}
    if not isinstance(entries, dict):
        raise ConfigError([*problems, "config: must be a mapping of keys to values"])
    config, secret_keys, entry_problems = _engine_config(entries)
    problems += entry_problems
    if not problems:
        problems += _size_problems(config, secret_keys)
    if problems:
        raise ConfigError(problems)
    return StackFile(stack=stack, config=config, secret_keys=secret_keys)


# --- YAML, read as the CLI reads it ----------------------------------------------------------


class _StackFileLoader(yaml.SafeLoader):
    """PyYAML's safe loader, resolving scalars like the CLI's YAML 1.2 reader (Go yaml.v3).

    Timestamps stay text (`owner: 2024-05-01` is the string the CLI passes), and only
    true/false are booleans (`yes`, `no`, `on`, `off` are strings to the CLI).
    """


_BOOL = "tag:yaml.org,2002:bool"
_StackFileLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag != "tag:yaml.org,2002:timestamp" and (tag != _BOOL or first in "tTfF")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StackFileLoader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def _parse(name: str, data: bytes) -> Any:
    """The YAML document of a stack file; ConfigError for bytes, syntax, duplicate keys or alias bombs."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n")
        before = data[data.rfind(b"\n", 0, exc.start) + 1 : exc.start].decode("utf-8", errors="replace")
        where = _path_at(data.decode("utf-8", errors="replace"), line, len(before))
        raise ConfigError(
            [f"{where} (line {line + 1}): byte 0x{data[exc.start]:02x} is not UTF-8; a stack file is UTF-8 text"]
        ) from None
    loader = _StackFileLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        problems = _structure_problems(node)
        if problems:
            raise ConfigError(problems)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = (
            f"{_path_at(text, mark.line, mark.column)} (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        )
        raise ConfigError([f"{where or name}: not valid YAML: {exc.problem or exc.context}"]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([f"{name}: not valid YAML: {exc}"]) from None
    except RecursionError:
        raise ConfigError([f"{name}: nested too deeply to be a stack file"]) from None
    finally:
        loader.dispose()


def _path_at(text: str, line: int, column: int = 0) -> str:
    """The key path at a position (0-based) of YAML that may be broken there: the parser's events are
    replayed up to that position (for errors found before there is a tree to walk)."""
    frames: list[list[Any]] = []  # ["map", key, expecting_key] or ["seq", index]
    found: tuple[Any, ...] = ()

    def consumed() -> None:  # a value of the innermost collection is complete
        if frames and frames[-1][0] == "map":
            frames[-1][2] = True

    def begins() -> None:  # a node starts where the innermost collection expects one
        if frames and frames[-1][0] == "seq":
            frames[-1][1] += 1

    try:
        for event in yaml.parse(text, Loader=_StackFileLoader):
            mark = event.start_mark
            if mark is not None and (mark.line, mark.column) > (line, column):
                break
            if isinstance(event, yaml.ScalarEvent | yaml.AliasEvent):
                if frames and frames[-1][0] == "map" and frames[-1][2]:
                    frames[-1][1], frames[-1][2] = getattr(event, "value", "*"), False
                else:
                    begins()
                    consumed()
            elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                begins()
                frames.append(["map", None, True] if isinstance(event, yaml.MappingStartEvent) else ["seq", -1])
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                frames.pop()
                consumed()
            found = tuple(f[1] for f in frames if f[1] is not None and f[1] != -1)
    except yaml.YAMLError:
        pass
    if found[:1] == ("config",):
        found = found[1:]
    path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in found).removeprefix(".")
    return path or "(top level)"


def _structure_problems(root: yaml.Node) -> list[str]:
    """Duplicate keys (naming both lines), and documents that expand beyond reason through aliases."""
    problems: list[str] = []
    sizes: dict[int, int] = {}
    visiting: set[int] = set()

    def size(node: yaml.Node, path: str) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        if id(node) in visiting:
            raise ConfigError([f"{path}: a YAML alias refers to the value that contains it"])
        visiting.add(id(node))
        total = 1
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else repr(key_node)
                child = _join(path, key)
                line = key_node.start_mark.line + 1
                if key in seen:
                    problems.append(
                        f"{child}: the key is given twice (lines {seen[key]} and {line}); YAML keeps only the "
                        "last, so remove one"
                    )
                seen.setdefault(key, line)
                total += size(value_node, child)
        elif isinstance(node, yaml.SequenceNode):
            total += sum(size(item, f"{path}[{i}]") for i, item in enumerate(node.value))
        visiting.discard(id(node))
        sizes[id(node)] = total
        if total > EXPANDED_NODE_LIMIT:
            raise ConfigError([f"{path or '(top level)'}: expands to more than {EXPANDED_NODE_LIMIT:,} values"])
        return total

    size(root, "")
    return problems


def _join(path: str, key: Any) -> str:
    """Key paths as errors name them: `qmoi-cloud:aws.region` for `config: {qmoi-cloud:aws: {region: ...}}`."""
    return str(key) if path in ("", "config") else f"{path}.{key}"


# --- config entries, as the engine passes them -----------------------------------------------


def _engine_config(entries: dict[Any, Any]) -> tuple[dict[str, str], list[str], list[str]]:
    """(config as engine strings, secret keys, problems) of the `config:` mapping."""
    config: dict[str, str] = {}
    secret_keys: list[str] = []
    problems: list[str] = []
    for raw_key, value in entries.items():
        key = str(raw_key)
        namespace, sep, name = key.partition(":")
        if not sep or not name:
            problems.append(f"{key}: config keys are namespaced, e.g. '{NAMESPACE}:{key}'")
            continue
        if namespace not in NAMESPACES:
            problems.append(_unknown(key, f"namespace {namespace!r}", [f"{n}:{name}" for n in NAMESPACES], NAMESPACES))
            continue
        known = provider_config_keys(namespace)
        if known is not None and name not in known:
            problems.append(_unknown(key, f"{namespace} setting", [f"{namespace}:{k}" for k in known], ()))
            continue
        secure = list(_secure_values(value, key))
        problems += [p for path, text in secure if (p := _ciphertext_problem(path, text))]
        problems += _plaintext_problems(key, value, secure)
        if secure:
            config[key] = _as_engine_string(_placeholders(value))
            secret_keys.append(key)
        else:
            config[key] = _as_engine_string(value)
    return config, secret_keys, problems


def _unknown(key: str, what: str, candidates: list[str], listing: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.75)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    allowed = f" (namespaces: {', '.join(listing)})" if listing else ""
    return f"{key}: unknown {what}{hint}{allowed}"


@cache
def provider_config_keys(namespace: str) -> frozenset[str] | None:
    """The settings a provider SDK reads (its config/vars.py, read as text: the SDK is not imported)."""
    package = PROVIDER_PACKAGES.get(namespace)
    spec = importlib.util.find_spec(package) if package else None
    if spec is None or not spec.submodule_search_locations:
        return None
    vars_py = Path(next(iter(spec.submodule_search_locations))) / "config" / "vars.py"
    if not vars_py.is_file():
        return None
    return frozenset(re.findall(r"__config__\.get\w*\('([A-Za-z0-9_]+)'\)", vars_py.read_text(encoding="utf-8")))


def _is_secure(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


def _secure_values(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """(path, ciphertext) of every `secure:` value, at the top or nested (`config set --secret --path`)."""
    if _is_secure(value):
        yield path, value["secure"]
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _secure_values(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _secure_values(item, f"{path}[{i}]")


def _placeholders(value: Any) -> Any:
    if _is_secure(value):
        return SECRET_PLACEHOLDER
    if isinstance(value, dict):
        return {k: _placeholders(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_placeholders(v) for v in value]
    return value


def _ciphertext_problem(path: str, text: Any) -> str | None:
    """Why a `secure:` value cannot be what `pulumi config set --secret` writes (the value is never echoed)."""
    reason = "it is not text"
    if isinstance(text, str):
        if match := _CIPHERTEXT_V1.match(text):
            nonce, sealed = (base64.b64decode(g) for g in match.groups())
            if len(nonce) == _GCM_NONCE_BYTES and len(sealed) >= _GCM_TAG_BYTES:
                return None
            reason = "its nonce or ciphertext has the wrong length"
        elif _CIPHERTEXT_B64.match(text):
            try:
                if len(base64.b64decode(text, validate=True)) >= _GCM_TAG_BYTES:
                    return None
                reason = "it is too short"
            except binascii.Error:
                reason = "it is not valid base64"
        else:
            reason = "it is neither `v1:<nonce>:<ciphertext>` nor base64"
    return (
        f"{path}: the secure value cannot be ciphertext ({reason}); set it with "
        f"`pulumi config set --secret {path.split('.', 1)[0]} ...` instead of writing it by hand"
    )


def _plaintext_problems(key: str, value: Any, secure: list[tuple[str, Any]]) -> list[str]:
    """Secrets in plain text (named, never echoed), and `secure:` values where no secret belongs."""
    namespace, _, name = key.partition(":")
    if namespace == NAMESPACE and name not in SECRET_SETTINGS:
        return [
            f"{path}: {key} is not a secret setting (secret settings: {', '.join(sorted(SECRET_SETTINGS))}); "
            "write it as plain YAML"
            for path, _ in secure[:1]
        ]
    if key not in SECRET_KEYS and key not in NESTED_CREDENTIALS:
        return []
    how = f"use `pulumi config set --secret {key}`" + (
        " or the provider's environment variable" if key in CREDENTIAL_KEYS else ""
    )
    if key in NESTED_CREDENTIALS:
        plain = [
            f"{key}.{field_name}"
            for field_name in NESTED_CREDENTIALS[key]
            if isinstance(value, dict) and field_name in value and not _is_secure(value[field_name])
        ]
    else:
        plain = list(_plain_leaves(value, key))
    kind = "a credential" if key in CREDENTIAL_KEYS else "a secret setting"
    return [f"{path}: {kind} must not be plain text in a stack file; {how}" for path in plain]


def _plain_leaves(value: Any, path: str) -> Iterator[str]:
    if _is_secure(value):
        return
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from _plain_leaves(item, f"{path}.{key}")
    elif isinstance(value, list) and value:
        for i, item in enumerate(value):
            yield from _plain_leaves(item, f"{path}[{i}]")
    else:
        yield path


def _as_engine_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _size_problems(config: dict[str, str], secret_keys: list[str]) -> list[str]:
    size = len(json.dumps(config).encode())
    if size <= ENGINE_CONFIG_LIMIT_BYTES:
        return []
    largest = sorted(config, key=lambda k: -len(config[k]))[:3]
    return [
        f"{key}: {len(config[key]):,} bytes; the whole configuration is {size:,} bytes as the engine passes it "
        f"(PULUMI_CONFIG), more than the {ENGINE_CONFIG_LIMIT_BYTES:,} one environment variable can hold, so "
        "neither the program nor the policy pack could start"
        for key in largest[:1]
    ] + [f"{key}: {len(config[key]):,} bytes (the next largest)" for key in largest[1:]]
