"""The policy pack's per-stack configuration, derived from the stack's validated configuration.

`pack_config(config)` is the `--policy-pack-config` document of a stack; `python -m infra
policies --write-config` writes it to `policy/config/<stack>.json` for `pulumi preview
--policy-pack-config` (a test keeps the committed files equal to what the stack files give).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from infra.config import BUDGET_PROVIDERS, COMPLIANCE, ROOT, PlatformConfig, Provider, load_stack_file, naming
from policy.rules import RULES

POLICY_DIR = ROOT / "policy"
CONFIG_DIR = POLICY_DIR / "config"


def singleton_owners(config: PlatformConfig) -> dict[str, str]:
    """The owner stack of each kind of account singleton, by pack config key (`*`: every stack)."""
    audit, threat = config.audit, config.threat_detection
    return {
        "auditOwner": config.singleton_owner(audit, Provider.aws),
        "threatOwner": config.singleton_owner(threat, Provider.aws),
        "auditProjectOwner": config.singleton_owner(audit, Provider.gcp),
        "threatProjectOwner": config.singleton_owner(threat, Provider.gcp),
        "anomalyOwner": config.alerts.cost_anomaly_owner,
    }


def pack_config(config: PlatformConfig) -> dict[str, dict[str, Any]]:
    """The `--policy-pack-config` document of a stack, derived from its validated configuration."""
    budget_level = config.budget.enforcement.value
    budget = {
        "enforcementLevel": budget_level,
        "monthlyBudgetUsd": config.budget.monthly_usd,
        "budgetProviders": [p.value for p in BUDGET_PROVIDERS],
    }
    owner = {"zoneSettingsOwner": config.cloudflare.zone_settings_owner}
    # Every rule that judges by environment (prod protection, NAT per zone, ...) is told the stack's.
    environment = {r.name: {"environment": config.environment.value} for r in RULES if "environment" in r.config}
    minimums = COMPLIANCE[config.compliance]
    owners = singleton_owners(config)
    security: dict[str, dict[str, Any]] = {
        "audit-trail-enabled": environment["audit-trail-enabled"]
        | {k: owners[k] for k in ("auditOwner", "auditProjectOwner")},
        "threat-detection-enabled": environment["threat-detection-enabled"]
        | {k: owners[k] for k in ("threatOwner", "threatProjectOwner")},
        "account-singleton-owner": {
            k: owners[k] for k in ("auditOwner", "threatOwner", "auditProjectOwner", "anomalyOwner")
        },
        "retention-meets-compliance": {
            "compliance": config.compliance.value,
            "auditRetentionDays": minimums.audit_retention_days,
            "backupRetentionDays": minimums.backup_retention_days,
        },
    }
    return (
        environment
        | security
        | {
            "budget-per-provider": dict(budget),
            "budget-limits-within-stack-budget": dict(budget),
            "estimated-cost-within-budget": dict(budget),
            # deploy contracts that need facts from the configuration
            "cloudflare-zone-tls": dict(owner),
            "cloudflare-zone-singleton-owner": dict(owner),
            "cloudflare-record-tags-plan": {"zonePlan": config.cloudflare.zone_plan},
            "cloudflare-waf-within-plan": {"zonePlan": config.cloudflare.zone_plan},
            "do-letsencrypt-needs-do-dns": {"cloudflareZones": [z.name for z in config.cloudflare.zones]},
            "do-app-secrets-declared": {
                "requiredEnvs": {naming.kebab(f): names for f, names in config.digitalocean.secret_env_names().items()}
            },
            "names-derive-from-stack": {
                "environment": config.environment.value,
                "nameSuffix": naming.stack_suffix(config.stack),
            },
        }
    )


def config_path(stack: str) -> Path:
    return CONFIG_DIR / f"{stack}.json"


def render_pack_config(config: PlatformConfig) -> str:
    return json.dumps(pack_config(config), indent=2, sort_keys=True) + "\n"


def stack_names(root: Path = ROOT) -> list[str]:
    """Every stack file of the repository (`Pulumi.<stack>.yaml`), sorted: the shipped ones and any review stack."""
    return sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in root.glob("Pulumi.*.yaml"))


def write_pack_configs(stacks: Iterable[str] | None = None) -> list[Path]:
    """Regenerate `policy/config/<stack>.json` from each stack file (default: every stack file)."""
    written = []
    names = stack_names() if stacks is None else list(stacks)
    rendered = {stack: render_pack_config(load_stack_file(stack).validated()) for stack in names}
    for stack, text in rendered.items():  # every stack validated before anything is written
        path = config_path(stack)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    return written
