"""Security operations configuration: secure defaults per environment, opt-out, compliance minimums."""

from __future__ import annotations

from typing import Any

import pytest

from infra.config import COMPLIANCE, Compliance, ConfigError, VaultLock, WafMode
from tests.conftest import make_config

GCP = {"enabled": True, "project_id": "qmoi-test-123", "billing_account": "01A2B3-C4D5E6-F7A8B9"}
CLOUDFLARE = {
    "enabled": True,
    "account_id": "8f2c4e6a1b3d5f7092a4c6e8b0d2f413",
    "zones": [{"name": "qmoi.ai", "zone_id": "3b7e1f9a2c4d6e8f0a1b2c3d4e5f6071"}],
    "zone_settings_owner": "dev",
}


def problems(environment: str = "dev", **blocks: Any) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        make_config(environment, **blocks)
    return caught.value.problems


def test_every_capability_is_on_by_default_in_every_environment():
    for environment in ("dev", "staging", "prod"):
        config = make_config(environment)
        assert (config.audit.enabled, config.threat_detection.enabled, config.waf.enabled, config.backup.enabled) == (
            True,
            True,
            True,
            True,
        )
        assert config.compliance is Compliance.none
        assert config.audit.account_owner == config.threat_detection.account_owner == "prod"


def test_environment_profiles_count_in_dev_and_lock_backups_only_in_prod():
    dev, staging, prod = (make_config(e) for e in ("dev", "staging", "prod"))
    assert (dev.waf.mode, staging.waf.mode, prod.waf.mode) == (WafMode.count, WafMode.count, WafMode.block)
    assert (dev.backup.vault_lock, staging.backup.vault_lock, prod.backup.vault_lock) == (
        VaultLock.none,
        VaultLock.governance,
        VaultLock.compliance,
    )
    assert (dev.audit.immutable, prod.audit.immutable) == (False, True)
    assert (dev.audit.retention_days, prod.audit.retention_days) == (90, 365)
    assert (dev.backup.retention_days, staging.backup.retention_days, prod.backup.retention_days) == (7, 14, 35)
    assert (dev.backup.continuous, prod.backup.continuous) == (False, True)


def test_a_capability_may_be_turned_off_without_a_compliance_profile():
    config = make_config("prod", waf={"enabled": False}, backup={"enabled": False})
    assert not config.waf.enabled and not config.backup.enabled


def test_the_owner_of_account_singletons_is_one_stack_or_every_stack():
    from infra.config import Provider

    aws, azure = Provider.aws, Provider.azure
    assert make_config("prod").owns_audit(aws) and make_config("prod").owns_threat_detection(azure)
    assert not make_config("dev").owns_audit(aws) and not make_config("dev").owns_threat_detection(azure)
    assert make_config("dev", audit={"account_owner": "*"}).owns_audit(aws)
    assert not make_config("prod", audit={"enabled": False}).owns_audit(aws)
    assert problems("dev", audit={"account_owner": "not a stack!"}) == [
        "audit.account_owner: 'not a stack!' does not match ^(\\*|[A-Za-z0-9_.-]{1,100})$"
    ]


def test_a_gcp_project_belongs_to_its_environment_s_stack_unless_project_owner_says_otherwise():
    # The shipped stack files give every environment a GCP project of its own; a review stack of an
    # environment (pr-42, environment dev) shares that project and owns nothing in it.
    from infra.config import Provider
    from infra.config.model import for_stack

    gcp = Provider.gcp
    for environment in ("dev", "staging", "prod"):
        config = make_config(environment)
        assert config.owns_audit(gcp) and config.owns_threat_detection(gcp)
        assert config.singleton_owner(config.audit, gcp) == environment
    review = for_stack(make_config("dev"), "pr-42")
    assert not review.owns_audit(gcp) and not review.owns_threat_detection(gcp)
    shared = make_config("dev", audit={"project_owner": "prod"}, threat_detection={"project_owner": "prod"})
    assert not shared.owns_audit(gcp) and not shared.owns_threat_detection(gcp)
    assert for_stack(make_config("dev", audit={"project_owner": "*"}), "pr-42").owns_audit(gcp)
    assert not make_config("dev", audit={"enabled": False}).owns_audit(gcp)


def test_a_compliance_mode_vault_lock_or_immutable_audit_logs_are_refused_in_dev():
    found = problems("dev", backup={"vault_lock": "compliance"}, audit={"immutable": True})
    assert any(p.startswith("backup.vault_lock: 'compliance' cannot be undone") for p in found)
    assert any(p.startswith("audit.immutable: true locks the audit logs") for p in found)


def test_count_mode_is_refused_for_the_owner_of_cloudflare_zones_below_enterprise():
    (found,) = problems("dev", cloudflare=CLOUDFLARE)
    assert found.startswith("waf.mode: count on Cloudflare needs the 'log' action")
    enterprise = make_config("dev", cloudflare=CLOUDFLARE | {"zone_plan": "enterprise"})
    assert enterprise.waf.mode is WafMode.count


def test_a_compliance_profile_raises_the_environment_defaults_to_its_minimums():
    config = make_config("dev", compliance="hipaa")
    minimums = COMPLIANCE[Compliance.hipaa]
    assert config.audit.retention_days == minimums.audit_retention_days == 2190
    assert config.audit.data_events is True
    assert config.backup.retention_days == minimums.backup_retention_days == 365
    assert config.backup.vault_lock is VaultLock.none  # irreversible locks are raised in prod only
    prod = make_config("prod", compliance="hipaa")
    assert prod.backup.vault_lock is VaultLock.compliance
    soc2 = make_config("staging", compliance="soc2")
    assert (soc2.audit.retention_days, soc2.backup.retention_days) == (365, 35)


def test_a_setting_below_the_compliance_minimum_is_an_error_naming_the_key():
    found = problems("prod", compliance="soc2", audit={"retention_days": 90}, backup={"vault_lock": "none"})
    assert any(p.startswith("audit.retention_days: 90 is below the soc2 minimum of 365") for p in found)
    assert any(p.startswith("backup.vault_lock: 'none' is weaker than the soc2 minimum 'governance'") for p in found)
    assert all("compliance: soc2" in p for p in found)


def test_a_compliance_profile_refuses_turning_a_capability_off():
    found = problems("dev", compliance="soc2", threat_detection={"enabled": False})
    assert found == ["threat_detection.enabled: false is not allowed with compliance: soc2"]


def test_gdpr_keeps_every_enabled_provider_in_eea_regions():
    found = problems("dev", compliance="gdpr", aws={"enabled": True}, gcp=GCP | {"region": "us-central1"})
    assert found == [
        "aws.region: 'us-east-1' is outside the EEA; gdpr keeps data in EEA regions (eu-central-1, eu-north-1, "
        "eu-south-1, eu-south-2, eu-west-1, eu-west-3, eusc-de-east-1)",
        "gcp.region: 'us-central1' is outside the EEA; gdpr keeps data in EEA regions (europe-central2, "
        "europe-north1, europe-north2, europe-southwest1, europe-west1, europe-west10, europe-west12, europe-west3, "
        "europe-west4, europe-west8, europe-west9)",
    ]
    config = make_config(
        "dev", compliance="gdpr", aws={"enabled": True, "region": "eu-west-1"}, gcp=GCP | {"region": "europe-west1"}
    )
    assert config.compliance is Compliance.gdpr


def test_hipaa_needs_customer_managed_keys_where_they_exist():
    found = problems("dev", compliance="hipaa", gcp=GCP)
    assert found == ["gcp.cmek: false; hipaa needs customer-managed keys where they exist"]
    assert make_config("dev", compliance="hipaa", gcp=GCP | {"cmek": True}).gcp.cmek


def test_an_unknown_compliance_profile_is_rejected_with_the_allowed_values():
    (found,) = problems("dev", compliance="pci")
    assert found.startswith("compliance: 'pci' is not allowed")
    assert "soc2" in found and "hipaa" in found and "gdpr" in found


def test_the_origins_cloudflare_proxies_are_known_from_configuration(prod_plan):
    # The shipped stacks balance every cloud's origin behind Cloudflare: their WAFs see Cloudflare's
    # addresses, and the client's in CF-Connecting-IP.
    from infra.config import CLOUDFLARE_PROXY, Provider

    assert prod_plan.config is not None
    for provider in (Provider.aws, Provider.gcp, Provider.azure, Provider.digitalocean):
        assert prod_plan.config.origin_proxy(provider) is CLOUDFLARE_PROXY, provider
    assert CLOUDFLARE_PROXY.client_header == "CF-Connecting-IP"
    assert "173.245.48.0/20" in CLOUDFLARE_PROXY.ipv4 and "2606:4700::/32" in CLOUDFLARE_PROXY.ipv6
    aws = {"enabled": True, "cloudfront": {"enabled": True}}
    assert make_config("dev", aws=aws).origin_proxy(Provider.aws) is None  # no Cloudflare in front
    behind_lb = make_config(
        "dev",
        aws=aws,
        gcp=GCP | {"cdn": {"enabled": True, "domains": ["media.qmoi.ai"]}},
        cloudflare=CLOUDFLARE
        | {"zone_settings_owner": None, "load_balancer": {"enabled": True, "failover_order": ["gcp"]}},
    )
    assert behind_lb.origin_proxy(Provider.gcp) is CLOUDFLARE_PROXY
    assert behind_lb.origin_proxy(Provider.aws) is None  # not one of the load balancer's pools
