"""Azure storage on the mock runtime: account hardening, blob service, containers, lifecycle, protection."""

from __future__ import annotations

ACCOUNT = "azure-native:storage:StorageAccount"


def account(plan, name: str = "qmoistoragedev") -> dict:
    return next(r.inputs for r in plan.of_type(ACCOUNT) if r.inputs["accountName"] == name)


def test_every_account_is_storagev2_https_only_tls12_without_public_blobs_or_shared_keys(azure_dev):
    names = sorted(r.inputs["accountName"] for r in azure_dev.of_type(ACCOUNT))
    assert names == ["qmoistoragedev", "qmoistoragedevfn", "qmoistoragedevmed"]
    for i in (r.inputs for r in azure_dev.of_type(ACCOUNT)):
        assert i["kind"] == "StorageV2"
        assert i["enableHttpsTrafficOnly"] is True
        assert i["minimumTlsVersion"] == "TLS1_2"
        assert i["allowBlobPublicAccess"] is False
        assert i["allowSharedKeyAccess"] is False
        assert i["defaultToOAuthAuthentication"] is True


def test_every_account_requires_infrastructure_encryption(azure_dev):
    for i in (r.inputs for r in azure_dev.of_type(ACCOUNT)):
        assert i["encryption"]["requireInfrastructureEncryption"] is True
        assert i["encryption"]["keySource"] == "Microsoft.Storage"


def test_the_data_firewall_denies_by_default_and_admits_only_azure_services_and_the_platform_subnets(azure_dev):
    rules = account(azure_dev)["networkRuleSet"]
    assert rules["defaultAction"] == "Deny"
    assert {b.strip() for b in rules["bypass"].split(",")} == {"AzureServices", "Logging", "Metrics"}
    subnets = sorted(r["virtualNetworkResourceId"].rsplit("/", 1)[-1] for r in rules["virtualNetworkRules"])
    assert subnets == ["functions", "tiers"]
    assert rules.get("ipRules", []) == []


def test_the_host_storage_firewall_admits_only_the_functions_subnet(azure_dev):
    rules = account(azure_dev, "qmoistoragedevfn")["networkRuleSet"]
    assert rules["defaultAction"] == "Deny"
    assert [r["virtualNetworkResourceId"].rsplit("/", 1)[-1] for r in rules["virtualNetworkRules"]] == ["functions"]


def test_the_media_account_holds_only_media_and_is_reachable_with_entra_id_only(azure_dev):
    media = account(azure_dev, "qmoistoragedevmed")
    assert media["networkRuleSet"]["defaultAction"] == "Allow"
    assert media["allowSharedKeyAccess"] is False and media["allowBlobPublicAccess"] is False
    containers = [
        r.inputs["containerName"]
        for r in azure_dev.of_type("azure-native:storage:BlobContainer")
        if r.inputs["accountName"] == "qmoistoragedevmed"
    ]
    assert containers == ["media"]


def test_blob_service_keeps_versions_soft_deletes_blobs_and_containers_and_records_changes(azure_dev):
    service = azure_dev.named("az-storage-blob-service")
    i = service.inputs
    assert i["isVersioningEnabled"] is True
    assert i["deleteRetentionPolicy"] == {"enabled": True, "days": 30}
    assert i["containerDeleteRetentionPolicy"] == {"enabled": True, "days": 30}
    assert i["changeFeed"]["enabled"] is True


def test_each_bucket_class_has_a_private_container_and_artifacts_uses_the_configured_name(azure_dev):
    containers = {r.name: r.inputs for r in azure_dev.of_type("azure-native:storage:BlobContainer")}
    names = {containers[f"az-storage-{c}"]["containerName"] for c in ("artifacts", "caches", "backups", "media")}
    assert names == {"qmoi-artifacts", "caches", "backups", "media"}
    assert all(c["publicAccess"] == "None" for c in containers.values())


def test_lifecycle_tiers_backups_but_not_media_and_expires_caches(azure_dev):
    policies = azure_dev.of_type("azure-native:storage:ManagementPolicy")
    rules = {r["name"]: r["definition"] for p in policies for r in p.inputs["policy"]["rules"]}
    backups = rules["backups-lifecycle"]["actions"]["baseBlob"]
    assert backups["tierToCool"]["daysAfterModificationGreaterThan"] == 30
    assert backups["tierToCold"]["daysAfterModificationGreaterThan"] == 90
    assert rules["backups-lifecycle"]["filters"]["prefixMatch"] == ["backups/"]
    assert "tierToCool" not in rules["media-lifecycle"]["actions"].get("baseBlob", {})  # a CDN reads media back
    assert rules["caches-lifecycle"]["actions"]["baseBlob"]["delete"]["daysAfterModificationGreaterThan"] == 14
    assert rules["artifacts-lifecycle"]["actions"]["version"]["delete"]["daysAfterCreationGreaterThan"] == 90


def test_prod_protects_and_retains_the_account_stateful_containers_and_the_resource_group(azure_prod):
    for name in ("az-storage-account", "az-storage-artifacts", "az-storage-backups", "az-rg"):
        record = azure_prod.named(name)
        assert record.protect and record.retain_on_delete, name
    assert not azure_prod.named("az-storage-caches").protect


def test_dev_protects_nothing(azure_dev):
    assert not any(r.protect for r in azure_dev.resources)
