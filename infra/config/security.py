"""Security operations settings: audit trails, threat detection, WAF, backups, and compliance profiles.

One block per capability (`qmoi-cloud:audit`, `:threat_detection`, `:waf`, `:backup`), provider-neutral,
secure by default and opt-out only: `enabled: false` is accepted (the policy pack then fails the stack in
prod, naming the rule), except under a compliance profile, which refuses it. What differs between
environments (WAF count or block, how long logs and backups are kept, the vault lock) is data in
`profiles.py`.

`qmoi-cloud:compliance: none | soc2 | hipaa | gdpr` maps a profile to concrete minimums, one table
(`COMPLIANCE`): audit-log retention, data-access logging, backup retention and immutability, data
residency in EEA regions, customer-managed keys. A profile raises the environment's values to its
minimums (`raise_to_minimums`, before the stack file is merged), and a stack-file value below a minimum
is a validation error naming the key (`compliance_problems`). It is technical support for a profile,
not a certification: the providers' agreements (a HIPAA BAA), processes and evidence are yours.

Account-wide singletons (an AWS account's CloudTrail trail, GuardDuty detector, Security Hub and AWS
Config recorder; an Azure subscription's activity-log setting and Defender plans; a GCP project's audit
configuration) exist once per account, subscription or project. `account_owner` names the one stack that
declares those of the AWS account and the Azure subscription (the shipped stacks share one of each: prod
owns them); `project_owner` those of the GCP project, by default the stack named after its environment,
since every environment has a project of its own (`gcp.project_id`: a review stack shares its
environment's project and declares nothing in it). `"*"` means every stack is in an account (project)
of its own and declares its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field

from infra.config.base import IpRule, Model, StackName

EVERY_STACK = "*"
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code, e.g. KP.")]


class Compliance(StrEnum):
    none = "none"
    soc2 = "soc2"
    hipaa = "hipaa"
    gdpr = "gdpr"


class WafMode(StrEnum):
    """count: rules only observe (metrics, logs); block: matching requests are refused."""

    count = "count"  # type: ignore[assignment]  # a member named like str.count: the value the stack files use
    block = "block"


class VaultLock(StrEnum):
    """How far backups resist deletion, weakest first.

    none: no lock. governance: a lock privileged users can lift (AWS vault lock without a lock date; Azure
    immutability Unlocked). compliance: nobody can delete a recovery point before its retention ends, not
    even the account root (AWS vault lock with a lock date, irreversible after the cooling-off days; Azure
    immutability Locked, irreversible).
    """

    none = "none"
    governance = "governance"
    compliance = "compliance"

    @property
    def rank(self) -> int:
        return list(VaultLock).index(self)


class SingletonOwners(Model):
    """Which stack declares the singletons of each cloud account (one trail, detector, setting per account)."""

    account_owner: StackName = "prod"
    """The stack that declares them in the AWS account and the Azure subscription, which the stacks share;
    `*`: every stack (an account of its own each)."""
    project_owner: StackName | None = None
    """The stack that declares them in the GCP project; default: the stack named after its environment (each
    environment has a project of its own, `gcp.project_id`); `*`: every stack (a project of its own each)."""


class Audit(SingletonOwners):
    """Audit trails: who did what, on every cloud account the stack touches."""

    enabled: bool = True
    """Declare the audit trail (AWS CloudTrail, GCP audit config + sink, Azure activity-log setting)."""
    retention_days: int = Field(default=365, ge=1, le=3650)
    """Days audit logs are kept (trail bucket, audit bucket, Log Analytics total retention); profile."""
    data_events: bool = False
    """Object-level events too: S3 data events on stateful buckets (AWS, billed per event), GCP DATA_READ."""
    immutable: bool = False
    """Logs nobody can delete before retention_days: S3 Object Lock (compliance mode), a locked GCS
    retention policy. Irreversible: prod profile only."""


class ThreatDetection(SingletonOwners):
    """Threat detection and security posture, with findings routed to the monitoring alert channel."""

    enabled: bool = True
    """Declare the detectors (AWS GuardDuty + Security Hub, Azure Defender plans, GCP log-based alert)."""
    malware_scan_gb_per_account: int = Field(default=50, ge=0, le=50_000)
    """Azure Defender for Storage: GB of uploads scanned for malware per storage account a month (billed per GB;
    the API's default cap is 5,000); 0: malware scanning off."""
    aws_config_recorder: bool = True
    """Declare the AWS Config recorder Security Hub's controls need (one per account and region: false when
    the account already records, e.g. through AWS Organizations)."""


class Waf(Model):
    """Web application firewall in front of every public entry point."""

    enabled: bool = True
    """Declare the WAF (AWS WAFv2 on CloudFront, Cloud Armor, Front Door WAF, Cloudflare managed rules)."""
    mode: WafMode = WafMode.block
    """count observes, block refuses; profile: count in dev and staging, block in prod."""
    rate_limit_per_minute: int = Field(default=600, ge=10, le=100_000)
    """Requests a minute one client IP may make before it is blocked (scaled to each provider's window)."""
    blocked_cidrs: list[IpRule] = Field(default_factory=list, description="Client ranges refused everywhere.")
    blocked_countries: list[CountryCode] = Field(
        default_factory=list, description="Countries refused (AWS, GCP, Azure; ISO codes)."
    )


class Backup(Model):
    """Backups that cannot be deleted by mistake or malice."""

    enabled: bool = True
    """Declare the backup vault and plan (AWS Backup, Azure Backup vault)."""
    retention_days: int = Field(default=35, ge=1, le=3650)
    """Days a recovery point is kept (and the vault lock's minimum); profile."""
    schedule_hour_utc: int = Field(default=5, ge=0, le=23, description="Hour of the daily backup (UTC).")
    vault_lock: VaultLock = VaultLock.compliance
    """none | governance | compliance; profile: none in dev, governance in staging, compliance in prod."""
    lock_cooling_off_days: int = Field(default=3, ge=3, le=36_500)
    """Days a compliance lock can still be removed (AWS requires at least 3)."""
    continuous: bool = False
    """Point-in-time restore within the retention window where it is native (Azure operational blob
    backup, which also puts a delete lock on the storage account); profile: prod only."""


# --- compliance profiles -----------------------------------------------------------


# EEA regions only (GDPR Chapter V transfers avoided). The UK and Switzerland have adequacy decisions but
# are outside the EEA; they are left out as a design choice, not a legal requirement.
EEA_REGIONS: dict[str, frozenset[str]] = {
    "aws": frozenset(
        ["eu-central-1", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-3", "eusc-de-east-1"]
    ),
    "gcp": frozenset(
        [
            "europe-central2",
            "europe-north1",
            "europe-north2",
            "europe-southwest1",
            "europe-west1",
            "europe-west10",
            "europe-west12",
            "europe-west3",
            "europe-west4",
            "europe-west8",
            "europe-west9",
        ]
    ),
    "azure": frozenset(
        [
            "austriaeast",
            "belgiumcentral",
            "denmarkeast",
            "francecentral",
            "francesouth",
            "germanynorth",
            "germanywestcentral",
            "italynorth",
            "northeurope",
            "norwayeast",
            "norwaywest",
            "polandcentral",
            "spaincentral",
            "swedencentral",
            "westeurope",
        ]
    ),
    "digitalocean": frozenset({"ams2", "ams3", "fra1"}),
}


@dataclass(frozen=True)
class ComplianceMinimums:
    """What a compliance profile requires, as settings; `why` quotes what each number rests on."""

    audit_retention_days: int | None = None
    audit_data_events: bool = False
    backup_retention_days: int | None = None
    vault_lock: VaultLock = VaultLock.none  # applies to prod only: compliance locks are irreversible
    eea_regions: bool = False
    customer_managed_keys: bool = False
    capabilities_required: bool = False  # audit, threat detection, WAF and backup may not be disabled
    why: str = ""


COMPLIANCE: dict[Compliance, ComplianceMinimums] = {
    Compliance.none: ComplianceMinimums(),
    Compliance.soc2: ComplianceMinimums(
        audit_retention_days=365,
        backup_retention_days=35,
        vault_lock=VaultLock.governance,
        capabilities_required=True,
        why="SOC 2 sets no retention period; 12 months matches a Type 2 observation window and PCI DSS 4.0.1 "
        "Req. 10.5.1 ('Retain audit log history for at least 12 months'), which auditors accept as a reference",
    ),
    Compliance.hipaa: ComplianceMinimums(
        audit_retention_days=2190,
        audit_data_events=True,
        backup_retention_days=365,
        vault_lock=VaultLock.compliance,
        customer_managed_keys=True,
        capabilities_required=True,
        why="45 CFR 164.316(b)(2)(i) keeps required documentation 6 years (a conservative reading for audit "
        "logs: 164.312(b) requires audit controls without a period); 164.308(a)(7) requires retrievable exact "
        "copies (backups); a BAA with each cloud is still needed",
    ),
    Compliance.gdpr: ComplianceMinimums(
        audit_retention_days=365,
        backup_retention_days=35,
        vault_lock=VaultLock.governance,
        eea_regions=True,
        capabilities_required=True,
        why="GDPR sets no data localisation; EEA-only regions avoid Chapter V transfers (a design choice). "
        "Art. 5(1)(e) storage limitation caps retention: keep these minimums, and expiry on personal data",
    ),
}

SECURITY_BLOCKS = ("audit", "threat_detection", "waf", "backup")


def raise_to_minimums(base: dict[str, Any], compliance: Any, environment: Any) -> dict[str, Any]:
    """`base` (defaults + environment profile) with values raised to the compliance profile's minimums.

    Applied before the stack file is merged, so a profile raises the defaults while a stack file that
    sets a lower value explicitly is reported by `compliance_problems`.
    """
    try:
        minimums = COMPLIANCE[Compliance(compliance)]
    except ValueError:
        return base  # validation reports the bad value
    raised = {key: dict(base.get(key) or {}) for key in ("audit", "backup")}
    audit, backup = raised["audit"], raised["backup"]
    if minimums.audit_retention_days:
        audit["retention_days"] = max(int(audit.get("retention_days", 0)), minimums.audit_retention_days)
    if minimums.audit_data_events:
        audit["data_events"] = True
    if minimums.backup_retention_days:
        backup["retention_days"] = max(int(backup.get("retention_days", 0)), minimums.backup_retention_days)
    current = VaultLock(backup.get("vault_lock", VaultLock.none))
    if environment == "prod" and minimums.vault_lock.rank > current.rank:
        backup["vault_lock"] = minimums.vault_lock.value
    return base | raised
