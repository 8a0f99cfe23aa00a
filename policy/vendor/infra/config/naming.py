# GENERATED from infra/config/naming.py by `python -m infra policies --write-config`: do not edit (policy/vendor/README.md).
"""Naming rules of each provider, and the names the platform derives from config.

Pure functions, no Pulumi: validation uses them to explain a bad name before anything
is deployed, and components use them to derive physical names.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

# S3 (and Spaces, which follows it): 3-63 chars, lowercase letters, digits, dots and
# hyphens, starting and ending with a letter or digit, not formatted like an IP address.
_S3_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IP_LIKE = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
# Reserved by S3 (docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html): prefixes, and
# suffixes of access point, Object Lambda, Multi-Region Access Point and directory bucket names.
S3_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
S3_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3")
# GCS: like S3 but also underscores; must not start with "goog" or contain "google".
_GCS_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$")
_R2_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
_AZURE_ACCOUNT = re.compile(r"^[a-z0-9]{3,24}$")
_AZURE_CONTAINER = re.compile(r"^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$")
_GCP_PROJECT = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)(?!-)([a-z0-9-]{1,63}(?<!-)\.)+[a-z]{2,63}$")
_FUNCTION_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}[a-z0-9]$")
# GCP label values are the strictest tag rule of the five providers, so tag values follow it.
_LABEL_VALUE = re.compile(r"^[a-z0-9_-]{1,63}$")


def s3_bucket_problem(name: str) -> str | None:
    """Why `name` is not a valid S3 / Spaces bucket name, or None when it is."""
    if not _S3_NAME.match(name) or ".." in name or _IP_LIKE.match(name):
        return (
            "an S3 bucket name has 3-63 characters: lowercase letters, digits, dots and "
            "hyphens, starting and ending with a letter or digit, not shaped like an IP address"
        )
    if name.startswith(S3_RESERVED_PREFIXES) or name.endswith(S3_RESERVED_SUFFIXES):
        return (
            f"an S3 bucket name may not start with {', '.join(map(repr, S3_RESERVED_PREFIXES))} or end with "
            f"{', '.join(map(repr, S3_RESERVED_SUFFIXES))} (reserved by S3)"
        )
    return None


def gcs_bucket_problem(name: str) -> str | None:
    """Why `name` is not a valid Cloud Storage bucket name, or None when it is."""
    if not _GCS_NAME.match(name):
        return (
            "a Cloud Storage bucket name has 3-63 characters: lowercase letters, digits, "
            "dots, hyphens and underscores, starting and ending with a letter or digit"
        )
    if name.startswith("goog") or "google" in name:
        return "a Cloud Storage bucket name may not start with 'goog' or contain 'google'"
    return None


def r2_bucket_problem(name: str) -> str | None:
    """Why `name` is not a valid R2 bucket name, or None when it is."""
    if not _R2_NAME.match(name):
        return (
            "an R2 bucket name has 3-63 characters: lowercase letters, digits and hyphens, "
            "starting and ending with a letter or digit"
        )
    return None


def azure_storage_account_problem(name: str) -> str | None:
    """Why `name` is not a valid Azure storage account name, or None when it is."""
    if not _AZURE_ACCOUNT.match(name):
        return "an Azure storage account name has 3-24 characters, lowercase letters and digits only"
    return None


def azure_container_problem(name: str) -> str | None:
    """Why `name` is not a valid Azure blob container name, or None when it is."""
    if not _AZURE_CONTAINER.match(name):
        return (
            "an Azure container name has 3-63 characters: lowercase letters, digits and "
            "single hyphens, starting and ending with a letter or digit"
        )
    return None


def gcp_project_problem(name: str) -> str | None:
    """Why `name` is not a valid GCP project id, or None when it is."""
    if not _GCP_PROJECT.match(name):
        return (
            "a GCP project id has 6-30 characters: lowercase letters, digits and hyphens, "
            "starting with a letter and not ending with a hyphen"
        )
    return None


def domain_problem(name: str) -> str | None:
    """Why `name` is not a lowercase DNS name, or None when it is."""
    if not _DOMAIN.match(name):
        return "a domain is a lowercase DNS name such as 'qmoi.ai' or 'cdn.qmoi.cloud'"
    return None


def function_name_problem(name: str) -> str | None:
    """Why `name` cannot name a serverless function here, or None when it can."""
    if not _FUNCTION_NAME.match(name):
        return (
            "a function name is 2-42 characters of lowercase letters, digits and underscores, "
            "starting with a letter (it is also the folder functions/<name>/)"
        )
    return None


def label_value_problem(value: str) -> str | None:
    """Why `value` cannot be a tag/label value on every provider, or None when it can."""
    if not _LABEL_VALUE.match(value):
        return (
            "a tag value must also be a valid GCP label value: 1-63 characters of lowercase "
            "letters, digits, underscores and hyphens"
        )
    return None


def kebab(name: str) -> str:
    """Function names are snake_case in config and kebab-case in most cloud consoles."""
    return name.replace("_", "-")


# --- names that derive from the stack --------------------------------------------------
#
# Globally (or account-, team-, subscription-) unique names must differ between stacks that
# live side by side: a pull-request stack `pr-42` next to `dev`, a developer's `dev-alice`.
# A stack whose name is its environment (the shipped dev, staging and prod) keeps the names
# it always had (`qmoi-dev-...`, `qmoi-cloud-storage-dev-media`), so nothing deployed is
# replaced; any other stack uses its own token: the stack name as a slug plus a short, stable
# hash of the full name (two names that slug alike, or a long name cut short, still differ).

STACK_SUFFIX_LENGTH = 6
STACK_TOKEN_MAX = 16  # `qmoi-<token>-tiers` stays a valid GCP service account id (<= 30 characters)
AZURE_ACCOUNT_MAX = 24
DNS_LABEL_MAX = 63
# The storage accounts of an Azure stack, by purpose -> the role part of their names: data (the bucket
# classes but media), function host and deployment storage, media served by Front Door.
AZURE_ACCOUNT_ROLES = {"data": "", "functions": "fn", "media": "med"}
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def stack_slug(stack: str) -> str:
    """A stack name as lowercase letters, digits and single hyphens (`PR_42` -> `pr-42`)."""
    return _NOT_SLUG.sub("-", stack.lower()).strip("-")


def stack_suffix(stack: str) -> str:
    """A short hash of the full stack name: stable, and known before anything is deployed."""
    return hashlib.sha256(stack.encode()).hexdigest()[:STACK_SUFFIX_LENGTH]


@dataclass(frozen=True)
class StackNames:
    """The physical names of one stack: the one place that turns (stack, environment) into names."""

    stack: str
    environment: str

    @property
    def primary(self) -> bool:
        """True for the stack named after its environment: it keeps the environment's names."""
        return self.stack == self.environment

    @property
    def token(self) -> str:
        """What names carry to tell this stack apart: the environment, or slug-hash of the stack."""
        if self.primary:
            return self.environment
        suffix = stack_suffix(self.stack)
        slug = stack_slug(self.stack)[: STACK_TOKEN_MAX - STACK_SUFFIX_LENGTH - 1].strip("-")
        return f"{slug}-{suffix}" if slug else suffix

    @property
    def prefix(self) -> str:
        """The prefix of the stack's resource names: `qmoi-<token>`."""
        return f"qmoi-{self.token}"

    def bucket(self, base: str, role: str) -> str:
        """A bucket (S3, GCS, R2, Spaces) of this stack: `<base>-<token>-<role>`."""
        return f"{base}-{self.token}-{role}"

    def storage_account(self, base: str, role: str = "") -> str:
        """An Azure storage account of this stack (global, 3-24 lowercase alphanumerics).

        The primary stack keeps `<base><env><role>`; any other stack is `<base><slug>` cut to
        fit, then `<role><hash>`, so the name stays unique and within 24 characters.
        """
        if self.primary:
            return f"{base}{self.environment}{role}"
        compact = (base + stack_slug(self.stack).replace("-", ""))[
            : AZURE_ACCOUNT_MAX - len(role) - STACK_SUFFIX_LENGTH
        ]
        return f"{compact}{role}{stack_suffix(self.stack)}"

    def hostname(self, host: str, zones: Iterable[str] = ()) -> str:
        """A public hostname of this stack. The primary stack serves the configured name; any other
        stack appends its token to the name's first label (`app-dev.qmoi.ai` -> `app-dev-pr-42-1a2b3c.qmoi.ai`;
        a zone apex gets the token as a new label; `*.x` keeps its wildcard)."""
        if self.primary:
            return host
        if host.startswith("*."):
            return "*." + self.hostname(host[2:], zones)
        apexes = [z for z in zones if host == z] or ([host] if host.count(".") == 1 else [])
        if apexes:
            return f"{self.token}.{host}"
        label, rest = host.split(".", 1)
        return f"{label}-{self.token}"[:DNS_LABEL_MAX].rstrip("-") + f".{rest}"
