"""Azure security operations as the shipped stacks declare them: activity log, Defender, WAF, backup vault."""

from __future__ import annotations

from components.azure.waf import AzureWaf, AzureWafArgs
from components.context import StackContext
from infra.config import CLOUDFLARE_PROXY, WafMode
from infra.plan import Plan
from infra.plan.records import ResourceRecord

BACKUP_CONTRIBUTOR = "e5e2a7ff-d759-4cd2-bb51-3152d37e2eb1"


def only(plan: Plan, token: str) -> ResourceRecord:
    (found,) = plan.of_type(token)
    return found


def test_prod_sends_every_activity_log_category_to_a_workspace_kept_a_year(prod_plan):
    setting = only(prod_plan, "azure-native:monitor:SubscriptionDiagnosticSetting")
    categories = {log["category"] for log in setting.inputs["logs"] if log["enabled"]}
    assert {"Administrative", "Security", "Alert", "Policy"} <= categories and len(categories) == 8
    workspace = prod_plan.named("qmoi-azure-audit-workspace")
    assert workspace.urn in setting.property_dependencies["workspaceId"]
    assert workspace.inputs["features"] == {"disableLocalAuth": True} and workspace.protect
    table = only(prod_plan, "azure-native:operationalinsights:Table")
    assert table.inputs["tableName"] == "AzureActivity"
    assert (table.inputs["retentionInDays"], table.inputs["totalRetentionInDays"]) == (90, 365)


def test_defender_protects_servers_and_storage_and_alerts_the_stack_e_mails(prod_plan):
    plans = {p.inputs["pricingName"]: p.inputs for p in prod_plan.of_type("azure-native:security:Pricing")}
    assert plans["VirtualMachines"]["subPlan"] == "P1" and plans["StorageAccounts"]["subPlan"] == "DefenderForStorageV2"
    assert {p["pricingTier"] for p in plans.values()} == {"Standard"}
    assert {p["scopeId"] for p in plans.values()} == {"/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333"}
    contact = only(prod_plan, "azure-native:security:SecurityContact")
    assert contact.inputs["emails"] == "platform-alerts@qmoi.ai"
    assert contact.inputs["notificationsSources"] == [{"sourceType": "Alert", "minimalSeverity": "High"}]


def test_defender_for_storage_scans_uploads_up_to_a_small_cap_per_account_and_leaves_discovery_off(prod_plan):
    # The API's defaults scan up to 5,000 GB of uploads per account a month (billed per GB from day one)
    # and turn sensitive data discovery on: both are declared, so neither is a surprise nor drifts.
    (storage,) = [
        p for p in prod_plan.of_type("azure-native:security:Pricing") if p.inputs["pricingName"] == "StorageAccounts"
    ]
    assert storage.inputs["extensions"] == [
        {
            "name": "OnUploadMalwareScanning",
            "isEnabled": "True",
            "additionalExtensionProperties": {"CapGBPerMonthPerStorageAccount": "50"},
        },
        {"name": "SensitiveDataDiscovery", "isEnabled": "False"},
    ]


def test_malware_scanning_can_be_turned_off_with_a_zero_cap(record_component):
    from components.azure.threat_detection import AzureThreatDetection, AzureThreatDetectionArgs

    ctx = StackContext("prod", {"environment": "prod"}, True, 90, ("a@example.com",))
    args = AzureThreatDetectionArgs("0b1f6471-1bf0-4dda-aec3-111122223333", malware_scan_gb_per_account=0)
    plan = record_component(lambda: AzureThreatDetection("td", args, ctx), stack="prod")
    (storage,) = [
        p for p in plan.of_type("azure-native:security:Pricing") if p.inputs["pricingName"] == "StorageAccounts"
    ]
    assert storage.inputs["extensions"][0] == {"name": "OnUploadMalwareScanning", "isEnabled": "False"}


def test_front_door_endpoint_and_domains_are_behind_a_standard_waf_policy(dev_plan, prod_plan):
    for plan, mode in ((dev_plan, "Detection"), (prod_plan, "Prevention")):
        policy = only(plan, "azure-native:frontdoor:Policy")
        assert policy.inputs["sku"] == {"name": "Standard_AzureFrontDoor"} and "managedRules" not in policy.inputs
        assert policy.inputs["policySettings"]["mode"] == mode and policy.inputs["location"] == "Global"
        rules = {r["name"]: r for r in policy.inputs["customRules"]["rules"]}
        assert rules["ratelimitperip"]["rateLimitThreshold"] == 600
        assert rules["readonlymethods"]["matchConditions"][0]["negateCondition"] is True
        association = only(plan, "azure-native:cdn:SecurityPolicy")
        protected = set(association.property_dependencies["parameters"])
        assert only(plan, "azure-native:cdn:AFDEndpoint").urn in protected
        assert only(plan, "azure-native:cdn:AFDCustomDomain").urn in protected and policy.urn in protected


def test_behind_cloudflare_the_per_socket_rate_limit_leaves_cloudflare_s_addresses_to_cloudflare(prod_plan):
    # Front Door groups a rate limit by socket address only (SocketAddr | GeoLocation | None): behind
    # Cloudflare's load balancer every client of a Cloudflare data centre would share one counter. The
    # rule leaves Cloudflare's ranges out (Cloudflare's own rate rule counts those clients) and keeps
    # limiting whoever reaches Front Door directly; the block lists read the client (RemoteAddr).
    rules = {r["name"]: r for r in only(prod_plan, "azure-native:frontdoor:Policy").inputs["customRules"]["rules"]}
    rate = rules["ratelimitperip"]
    assert rate["groupBy"] == [{"variableName": "SocketAddr"}]
    assert rate["matchConditions"] == [
        {
            "matchVariable": "SocketAddr",
            "operator": "IPMatch",
            "negateCondition": True,
            "matchValue": [*CLOUDFLARE_PROXY.ipv4, *CLOUDFLARE_PROXY.ipv6],
        }
    ]


def test_without_a_proxy_in_front_the_rate_limit_counts_every_socket_address(record_component):
    ctx = StackContext("prod", {"environment": "prod"}, True, 90, ("a@example.com",))
    args = AzureWafArgs("rg", "profile", ["/endpoint"], WafMode.block, 600)
    plan = record_component(lambda: AzureWaf("waf", args, ctx), stack="prod")
    rules = {r["name"]: r for r in only(plan, "azure-native:frontdoor:Policy").inputs["customRules"]["rules"]}
    assert rules["ratelimitperip"]["matchConditions"] == [
        {"matchVariable": "RequestUri", "operator": "Any", "matchValue": []}
    ]


def test_prod_backs_up_blobs_into_a_locked_vault_with_operational_restore(prod_plan):
    vault = only(prod_plan, "azure-native:dataprotection:BackupVault")
    security = vault.inputs["properties"]["securitySettings"]
    assert security["immutabilitySettings"] == {"state": "Locked"}
    assert security["softDeleteSettings"] == {"state": "On", "retentionDurationInDays": 14}
    assert vault.protect
    # For blobs, Default holds the vaulted (VaultStore) retention and operational retention is a rule of
    # its own named Default_OperationalStore: one Default rule with both stores is refused.
    policy = only(prod_plan, "azure-native:dataprotection:BackupPolicy")
    retention = [r for r in policy.inputs["properties"]["policyRules"] if r["objectType"] == "AzureRetentionRule"]
    rules = {
        r["name"]: (
            r["isDefault"],
            [(lc["sourceDataStore"]["dataStoreType"], lc["deleteAfter"]["duration"]) for lc in r["lifecycles"]],
        )
        for r in retention
    }
    assert rules == {
        "Default": (True, [("VaultStore", "P35D")]),
        "Default_OperationalStore": (True, [("OperationalStore", "P35D")]),
    }
    services = {s.name: s.inputs for s in prod_plan.of_type("azure-native:storage:BlobServiceProperties")}
    data = [services["qmoi-azure-storage-blob-service"], services["qmoi-azure-storage-media-blob-service"]]
    for service in data:  # what operational backup turns on, declared so it does not drift
        assert service["restorePolicy"] == {"enabled": True, "days": 35}
        assert service["deleteRetentionPolicy"]["days"] > 35
        # a restore replays the change feed back to the restore point: it must reach back that far
        assert service["changeFeed"] == {"enabled": True, "retentionInDays": 36}


def test_each_backup_instance_waits_for_the_vault_grant_on_its_account(prod_plan):
    instances = prod_plan.of_type("azure-native:dataprotection:BackupInstance")
    grants = [
        g
        for g in prod_plan.of_type("azure-native:authorization:RoleAssignment")
        if g.inputs["roleDefinitionId"].endswith(BACKUP_CONTRIBUTOR)
    ]
    assert len(instances) == len(grants) == 2  # the data account and the media account
    vault = only(prod_plan, "azure-native:dataprotection:BackupVault")
    for grant in grants:
        assert vault.urn in grant.property_dependencies["principalId"]
        (instance,) = [i for i in instances if grant.urn in i.dependencies]
        assert set(grant.property_dependencies["scope"]) <= set(instance.property_dependencies["properties"])
    containers = sorted(
        c
        for i in instances
        for p in i.inputs["properties"]["policyInfo"]["policyParameters"]["backupDatasourceParametersList"]
        for c in p["containersList"]
    )
    assert containers == ["backups", "media", "qmoi-artifacts"]


def test_dev_backups_are_vaulted_only_without_a_lock(dev_plan, staging_plan):
    # Without a lock (dev) soft delete is off too: a vault holding soft-deleted backups cannot be deleted
    # for 14 days, and dev is destroyed and recreated; staging's governance lock keeps it on.
    vault = only(dev_plan, "azure-native:dataprotection:BackupVault")
    assert vault.inputs["properties"]["securitySettings"] == {
        "immutabilitySettings": {"state": "Disabled"},
        "softDeleteSettings": {"state": "Off"},
    }
    staging = only(staging_plan, "azure-native:dataprotection:BackupVault").inputs["properties"]["securitySettings"]
    assert staging["immutabilitySettings"] == {"state": "Unlocked"}
    assert staging["softDeleteSettings"] == {"state": "On", "retentionDurationInDays": 14}
    policy = only(dev_plan, "azure-native:dataprotection:BackupPolicy")
    (retention,) = [r for r in policy.inputs["properties"]["policyRules"] if r["objectType"] == "AzureRetentionRule"]
    assert [lc["sourceDataStore"]["dataStoreType"] for lc in retention["lifecycles"]] == ["VaultStore"]
    assert all("restorePolicy" not in s.inputs for s in dev_plan.of_type("azure-native:storage:BlobServiceProperties"))
    assert dev_plan.of_type("azure-native:security:Pricing") == []
