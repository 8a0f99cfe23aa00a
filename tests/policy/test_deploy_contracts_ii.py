"""Deploy contracts of Azure, Cloudflare, DigitalOcean and the edge, through the real pack.

Each contract: a compliant baseline that passes, and one change that breaks it.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from infra.plan.records import ResourceRecord
from tests.policy.conftest import TEST_CONFIG, check, record

AZ = "azure-native"


def verdicts(pack, records: list[ResourceRecord], rule: str, **config: Any) -> list[str]:
    """The messages of `rule` on `records`, with `config` as that rule's pack config."""
    pack_config = copy.deepcopy(TEST_CONFIG) | {rule: config}
    report = check(pack, *records, config=pack_config)
    assert rule not in report.not_evaluated, report.not_evaluated.get(rule)
    return [v.detail for v in report.violations if v.policy == rule]


# --- azure -----------------------------------------------------------------------------


def account(name: str = "acct", **props: Any) -> ResourceRecord:
    base = {"accountName": name, "allowSharedKeyAccess": False, "networkRuleSet": {"defaultAction": "Deny"}}
    return record(f"{AZ}:storage:StorageAccount", f"{name}-account", base | props)


def test_a_key_based_upload_to_an_account_that_forbids_keys_is_refused(pack):
    blob = record(f"{AZ}:storage:Blob", "package", {"accountName": "acct", "containerName": "c", "blobName": "p.zip"})
    assert verdicts(pack, [account(allowSharedKeyAccess=True), blob], "azure-no-key-upload") == []
    (message,) = verdicts(pack, [account(), blob], "azure-no-key-upload")
    assert "forbids shared-key access" in message


def flex_app(auth: str = "UserAssignedIdentity") -> ResourceRecord:
    storage = {
        "type": "blobContainer",
        "value": "https://hostfn.blob.core.windows.net/package-x",
        "authentication": {"type": auth},
    }
    return record(
        f"{AZ}:web:WebApp", "app", {"name": "qmoi-dev-x", "functionAppConfig": {"deployment": {"storage": storage}}}
    )


def publisher(app: ResourceRecord, triggers: list[str]) -> ResourceRecord:
    return record(
        "command:local:Command", "publish", {"create": "az functionapp ...", "triggers": triggers}, triggers=[app.urn]
    )


def test_a_flex_app_needs_a_publisher_triggered_by_its_package(pack):
    app = flex_app()
    assert verdicts(pack, [app, publisher(app, ["digest", "app-id"])], "azure-function-code-published") == []
    (untriggered,) = verdicts(pack, [app, publisher(app, [])], "azure-function-code-published")
    assert "never reaches the running app" in untriggered
    (unpublished,) = verdicts(pack, [app], "azure-function-code-published")
    assert "nothing publishes this one" in unpublished


def test_flex_deployment_storage_may_not_use_a_key_on_an_account_without_keys(pack):
    app = flex_app("StorageAccountConnectionString")
    records = [app, publisher(app, ["digest"]), account("hostfn")]
    (message,) = verdicts(pack, records, "azure-function-code-published")
    assert "connection string" in message


def front_door(
    default_action: str = "Allow", version: str = "2021-08-06", probe: str = "/media/healthz.txt"
) -> list[ResourceRecord]:
    media = account("med", networkRuleSet={"defaultAction": default_action})
    group = record(
        f"{AZ}:cdn:AFDOriginGroup",
        "group",
        {
            "originGroupName": "media",
            "authentication": {"type": "SystemAssignedIdentity"},
            "healthProbeSettings": {"probePath": probe},
        },
    )
    origin = record(
        f"{AZ}:cdn:AFDOrigin", "origin", {"hostName": "med.blob.core.windows.net"}, originGroupName=[group.urn]
    )
    rule_set = record(f"{AZ}:cdn:RuleSet", "rules", {"ruleSetName": "storageauth", "id": "/rs/storageauth"})
    action = {
        "name": "ModifyRequestHeader",
        "parameters": {"headerName": "x-ms-version", "value": version, "headerAction": "Overwrite"},
    }
    rule = record(
        f"{AZ}:cdn:Rule",
        "version",
        {"ruleName": "xmsversion", "ruleSetName": "storageauth", "actions": [action], "conditions": []},
        ruleSetName=[rule_set.urn],
    )
    route = record(
        f"{AZ}:cdn:Route",
        "route",
        {"ruleSets": [{"id": "/rs/storageauth"}]},
        originGroup=[group.urn],
        ruleSets=[rule_set.urn],
    )
    return [media, group, origin, rule_set, rule, route]


def test_front_door_needs_an_origin_it_can_reach_an_x_ms_version_and_a_blob_to_probe(pack):
    rule = "azure-front-door-storage-origin"
    assert verdicts(pack, front_door(), rule) == []
    (firewalled,) = verdicts(pack, front_door(default_action="Deny"), rule)
    assert "not a trusted service" in firewalled
    (old_version,) = verdicts(pack, front_door(version="2015-02-21"), rule)
    assert "x-ms-version >= 2017-11-09" in old_version
    (root_probe,) = verdicts(pack, front_door(probe="/"), rule)
    assert "no blob" in root_probe


def scale_set(**subnet_changes: Any) -> list[ResourceRecord]:
    subnet = {
        "id": "/vnet/subnets/tiers",
        "subnetName": "tiers",
        "defaultOutboundAccess": False,
        "natGateway": {"id": "/nat"},
    } | subnet_changes
    nic = {"name": "nic", "ipConfigurations": [{"name": "ip", "subnet": {"id": "/vnet/subnets/tiers"}}]}
    vmss = {
        "orchestrationMode": "Flexible",
        "virtualMachineProfile": {"networkProfile": {"networkInterfaceConfigurations": [nic]}},
    }
    return [
        record(f"{AZ}:network:Subnet", "tiers", {k: v for k, v in subnet.items() if v is not None}),
        record(f"{AZ}:compute:VirtualMachineScaleSet", "vmss", vmss),
    ]


def test_a_flexible_scale_set_needs_an_explicit_way_out(pack):
    assert verdicts(pack, scale_set(), "azure-compute-has-egress") == []
    (message,) = verdicts(pack, scale_set(natGateway=None), "azure-compute-has-egress")
    assert "no NAT gateway" in message


def autoscale(scheduled: bool = True) -> ResourceRecord:
    rule = {
        "metricTrigger": {"metricName": "Percentage CPU", "metricResourceUri": "/vmss/gpu"},
        "scaleAction": {"direction": "Increase"},
    }
    profiles = [{"name": "gpu-cpu", "capacity": {"minimum": "0", "maximum": "1", "default": "0"}, "rules": [rule]}]
    if scheduled:
        profiles.append(
            {
                "name": "gpu-busy",
                "capacity": {"minimum": "1", "maximum": "1", "default": "1"},
                "rules": [rule],
                "recurrence": {"frequency": "Week"},
            }
        )
    return record(
        f"{AZ}:monitor:AutoscaleSetting", "gpu-autoscale", {"targetResourceUri": "/vmss/gpu", "profiles": profiles}
    )


def test_a_tier_that_reaches_zero_needs_a_way_to_wake_that_is_not_its_own_cpu(pack):
    assert verdicts(pack, [autoscale()], "azure-autoscale-can-wake") == []
    (message,) = verdicts(pack, [autoscale(scheduled=False)], "azure-autoscale-can-wake")
    assert "never wakes" in message


def grant(scope: str) -> list[ResourceRecord]:
    container = record(
        f"{AZ}:storage:BlobContainer",
        "backups",
        {"accountName": "data", "containerName": "backups", "metadata": {"bucket_class": "backups"}},
    )
    owner = "/providers/Microsoft.Authorization/roleDefinitions/b7e6dc6d-f1e8-4753-8033-0f276bb0955b"
    return [
        container,
        record(
            f"{AZ}:authorization:RoleAssignment",
            "grant",
            {"roleDefinitionId": owner, "scope": scope, "principalId": "p"},
        ),
    ]


def test_write_roles_on_an_account_with_data_are_granted_per_container(pack):
    account_scope = "/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/data"
    assert (
        verdicts(
            pack, grant(account_scope + "/blobServices/default/containers/caches"), "azure-storage-least-privilege"
        )
        == []
    )
    (message,) = verdicts(pack, grant(account_scope), "azure-storage-least-privilege")
    assert "Storage Blob Data Owner on the whole account data" in message


def cli_after_grant(script: str, attempts: str = "24", delay: str = "30") -> list[ResourceRecord]:
    writer = record(f"{AZ}:authorization:RoleAssignment", "writer", {"principalId": "p", "scope": "/x"})
    command = record(
        "command:local:Command",
        "upload",
        {"create": script, "environment": {"RETRY_ATTEMPTS": attempts, "RETRY_DELAY": delay}},
    )
    command.dependencies.append(writer.urn)
    return [writer, command]


def test_an_azure_cli_command_after_a_role_assignment_outlasts_its_propagation_and_refreshes_the_ci_login(pack):
    from components.azure.cdn import UPLOAD_HEALTH_BLOB

    assert verdicts(pack, cli_after_grant(UPLOAD_HEALTH_BLOB), "azure-cli-outlasts-rbac") == []
    (short,) = verdicts(pack, cli_after_grant(UPLOAD_HEALTH_BLOB, "10"), "azure-cli-outlasts-rbac")
    assert "retries for 300 s" in short and "up to 10 minutes" in short
    (stale,) = verdicts(
        pack, cli_after_grant("retry az storage blob upload --auth-mode login"), "azure-cli-outlasts-rbac"
    )
    assert "never logs in again (AADSTS700024)" in stale


def data_app(*settings: tuple[str, str], identity: str = "UserAssigned") -> ResourceRecord:
    return record(
        f"{AZ}:web:WebApp",
        "data-app",
        {
            "identity": {"type": identity, "userAssignedIdentities": ["/id"]},
            "siteConfig": {"appSettings": [{"name": n, "value": v} for n, v in settings]},
        },
    )


def test_an_identity_based_connection_names_the_user_assigned_identity(pack):
    uri = ("DATA_STORAGE__blobServiceUri", "https://acct.blob.core.windows.net")
    complete = (uri, ("DATA_STORAGE__credential", "managedidentity"), ("DATA_STORAGE__clientId", "c1"))
    assert verdicts(pack, [data_app(*complete)], "azure-identity-connection-complete") == []
    assert verdicts(pack, [data_app(uri, identity="SystemAssigned")], "azure-identity-connection-complete") == []
    (message,) = verdicts(pack, [data_app(uri)], "azure-identity-connection-complete")
    assert message.startswith("data-app: the connection DATA_STORAGE is identity-based")
    assert "DATA_STORAGE__credential=managedidentity, DATA_STORAGE__clientId is not set" in message


# --- cloudflare ------------------------------------------------------------------------

ZONE = "1" * 32


def zone_setting(name: str = "tls") -> ResourceRecord:
    return record(
        "cloudflare:index/zoneSetting:ZoneSetting",
        name,
        {"zoneId": ZONE, "settingId": "min_tls_version", "value": "1.2"},
    )


def test_only_the_owner_stack_declares_zone_singletons_and_each_once(pack):
    rule = "cloudflare-zone-singleton-owner"
    assert verdicts(pack, [zone_setting()], rule, zoneSettingsOwner="prod") == []
    (foreign,) = verdicts(pack, [zone_setting()], rule, zoneSettingsOwner="staging")
    assert "belongs to the stack staging, not to prod" in foreign
    twice = verdicts(pack, [zone_setting("a"), zone_setting("b")], rule, zoneSettingsOwner="prod")
    assert twice and all("declared 2 times" in m for m in twice)


def test_zone_tls_is_judged_only_in_the_stack_that_owns_the_zone_settings(pack):
    route = record("cloudflare:index/workersRoute:WorkersRoute", "r", {"zoneId": ZONE, "pattern": "x.qmoi.ai/*"})
    assert verdicts(pack, [route], "cloudflare-zone-tls", zoneSettingsOwner="staging") == []
    assert verdicts(pack, [route], "cloudflare-zone-tls", zoneSettingsOwner="prod")


def edge(pattern: str) -> list[ResourceRecord]:
    script = record("cloudflare:index/workersScript:WorkersScript", "edge", {"scriptName": "qmoi-dev-edge-router"})
    dns = record(
        "cloudflare:index/dnsRecord:DnsRecord",
        "www",
        {"zoneId": ZONE, "name": "www-dev.qmoi.ai", "proxied": True, "type": "CNAME"},
    )
    route = record(
        "cloudflare:index/workersRoute:WorkersRoute",
        "route",
        {"zoneId": ZONE, "pattern": pattern, "script": "qmoi-dev-edge-router"},
    )
    return [script, dns, route]


def test_every_proxied_hostname_is_covered_by_a_worker_route(pack):
    assert verdicts(pack, edge("www-dev.qmoi.ai/*"), "cloudflare-proxied-host-has-route") == []
    assert verdicts(pack, edge("*.qmoi.ai/*"), "cloudflare-proxied-host-has-route") == []
    (message,) = verdicts(pack, edge("app-dev.qmoi.ai/*"), "cloudflare-proxied-host-has-route")
    assert "www-dev.qmoi.ai is proxied but no Worker route covers www-dev.qmoi.ai/*" in message


def test_dns_record_tags_need_a_paid_zone_plan(pack):
    tagged = record(
        "cloudflare:index/dnsRecord:DnsRecord",
        "www",
        {"zoneId": ZONE, "name": "www.qmoi.ai", "tags": ["owner:platform-team"]},
    )
    assert verdicts(pack, [tagged], "cloudflare-record-tags-plan", zonePlan="pro") == []
    (message,) = verdicts(pack, [tagged], "cloudflare-record-tags-plan", zonePlan="free")
    assert "quota is 0" in message


def test_a_pool_names_the_regions_its_monitor_probes_from(pack):
    def pool(**props: Any) -> ResourceRecord:
        return record("cloudflare:index/loadBalancerPool:LoadBalancerPool", "pool", {"name": "p"} | props)

    assert verdicts(pack, [pool(checkRegions=["ENAM"])], "cloudflare-pool-check-regions") == []
    (unset,) = verdicts(pack, [pool()], "cloudflare-pool-check-regions")
    assert "no check regions (unset): its monitor probes from every Cloudflare data centre" in unset
    assert verdicts(pack, [pool(checkRegions=["ALL_REGIONS"])], "cloudflare-pool-check-regions")


# --- digitalocean ----------------------------------------------------------------------


def vpcs(second: str) -> list[ResourceRecord]:
    return [
        record("digitalocean:index/vpc:Vpc", "a", {"name": "qmoi-dev-nyc3", "ipRange": "10.1.0.0/20"}),
        record("digitalocean:index/vpc:Vpc", "b", {"name": "qmoi-dev-tor1", "ipRange": second}),
    ]


def test_digitalocean_vpc_ranges_may_not_overlap(pack):
    assert verdicts(pack, vpcs("10.2.0.0/20"), "do-vpc-ranges") == []
    (message,) = verdicts(pack, vpcs("10.1.8.0/24"), "do-vpc-ranges")
    assert "overlaps" in message


def pool(size: str = "s-4vcpu-8gb", **config: Any) -> ResourceRecord:
    base = {"minInstances": 1, "maxInstances": 2, "targetCpuUtilization": 0.6}
    return record(
        "digitalocean:index/dropletAutoscale:DropletAutoscale",
        "pool",
        {"config": base | config, "dropletTemplate": {"size": size}},
    )


def test_a_droplet_pool_needs_one_droplet_and_gpu_pools_do_not_scale_on_cpu(pack):
    rule = "do-autoscale-pool-limits"
    assert verdicts(pack, [pool()], rule) == []
    (empty,) = verdicts(pack, [pool(minInstances=0)], rule)
    assert "the API requires at least 1" in empty
    (gpu,) = verdicts(pack, [pool("gpu-h100x1-80gb")], rule)
    assert "do not show GPU load" in gpu
    assert (
        verdicts(
            pack,
            [
                record(
                    "digitalocean:index/dropletAutoscale:DropletAutoscale",
                    "gpu",
                    {"config": {"targetNumberInstances": 1}, "dropletTemplate": {"size": "gpu-h100x1-80gb"}},
                )
            ],
            rule,
        )
        == []
    )


def test_a_lets_encrypt_certificate_needs_dns_hosted_at_digitalocean(pack):
    def cert(domain: str) -> ResourceRecord:
        return record(
            "digitalocean:index/certificate:Certificate", "cert", {"type": "lets_encrypt", "domains": [domain]}
        )

    rule = "do-letsencrypt-needs-do-dns"
    assert verdicts(pack, [cert("cdn.example.org")], rule, cloudflareZones=["qmoi.ai"]) == []
    (message,) = verdicts(pack, [cert("dev.cdn.qmoi.ai")], rule, cloudflareZones=["qmoi.ai"])
    assert "Cloudflare zone qmoi.ai" in message


def app(envs: list[dict[str, str]]) -> ResourceRecord:
    return record(
        "digitalocean:index/app:App",
        "app",
        {"spec": {"name": "qmoi-dev-functions", "functions": [{"name": "webhook-ingest", "envs": envs}]}},
    )


def test_app_envs_the_code_needs_are_declared_as_secrets(pack):
    rule = "do-app-secrets-declared"
    needed = {"webhook-ingest": ["WEBHOOK_SECRET"]}
    secret = {"key": "WEBHOOK_SECRET", "value": "[secret]", "type": "SECRET", "scope": "RUN_AND_BUILD_TIME"}
    assert verdicts(pack, [app([secret])], rule, requiredEnvs=needed) == []
    (missing,) = verdicts(pack, [app([])], rule, requiredEnvs=needed)
    assert "does not declare it" in missing
    (general,) = verdicts(pack, [app([secret | {"type": "GENERAL"}])], rule, requiredEnvs=needed)
    assert "not of type SECRET" in general


# --- edge and stacks side by side ------------------------------------------------------


def monitored_pool(
    path: str, origin: str = "azure", cache_control: str | None = "no-cache, max-age=0"
) -> list[ResourceRecord]:
    env = {"BLOB": "healthz.txt", "CONTAINER": "media"} | ({"CACHE_CONTROL": cache_control} if cache_control else {})
    blob = record("command:local:Command", "health-blob", {"environment": env})
    monitor = record(
        "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor", "monitor", {"path": path, "expectedCodes": "2xx"}
    )
    pool = record(
        "cloudflare:index/loadBalancerPool:LoadBalancerPool",
        "pool",
        {"origins": [{"name": origin, "address": "x.azurefd.net"}]},
        monitor=[monitor.urn],
    )
    return [blob, monitor, pool]


def test_a_pool_monitor_probes_an_object_the_stack_creates(pack):
    assert verdicts(pack, monitored_pool("/healthz.txt"), "lb-monitor-path-healthy") == []
    (message,) = verdicts(pack, monitored_pool("/"), "lb-monitor-path-healthy")
    assert "no object the stack creates for azure" in message


def test_a_health_object_a_cdn_may_cache_keeps_a_broken_origin_s_pool_up(pack):
    assert verdicts(pack, monitored_pool("/healthz.txt", cache_control="no-store"), "lb-monitor-path-healthy") == []
    (uncached,) = verdicts(pack, monitored_pool("/healthz.txt", cache_control=None), "lb-monitor-path-healthy")
    assert "created without Cache-Control no-store / no-cache / max-age=0" in uncached
    (cached,) = verdicts(pack, monitored_pool("/healthz.txt", cache_control="max-age=3600"), "lb-monitor-path-healthy")
    assert "answers the probe from its cache" in cached


def test_a_cloud_without_a_health_object_yet_is_not_judged_on_the_legacy_root_path(pack):
    assert verdicts(pack, monitored_pool("/", origin="aws"), "lb-monitor-path-healthy") == []
    assert verdicts(pack, monitored_pool("/status", origin="aws"), "lb-monitor-path-healthy")


def bucket(name: str) -> ResourceRecord:
    return record("digitalocean:index/spacesBucket:SpacesBucket", "media", {"name": name, "acl": "private"})


@pytest.mark.parametrize(
    ("environment", "name", "ok"),
    [
        ("dev", "qmoi-cloud-storage-pr-42-3fa9c1-media", True),
        ("dev", "qmoi-cloud-storage-dev-media", False),
        ("prod", "qmoi-cloud-storage-prod-media", True),  # the environment's own stack keeps its names
    ],
)
def test_a_side_by_side_stack_carries_its_suffix_in_every_unique_name(pack, environment, name, ok):
    found = verdicts(pack, [bucket(name)], "names-derive-from-stack", environment=environment, nameSuffix="3fa9c1")
    assert (found == []) is ok


def test_user_data_never_pipes_a_download_into_a_shell(pack):
    def droplets(user_data: str) -> ResourceRecord:
        return record(
            "digitalocean:index/dropletAutoscale:DropletAutoscale",
            "pool",
            {
                "config": {"minInstances": 1, "maxInstances": 1},
                "dropletTemplate": {"size": "s-1vcpu-1gb", "userData": user_data},
            },
        )

    pinned = "#cloud-config\npackages:\n  - [do-agent, '3.17.1']\n"
    assert verdicts(pack, [droplets(pinned)], "userdata-no-unpinned-remote-exec") == []
    (message,) = verdicts(
        pack,
        [droplets("#cloud-config\nruncmd:\n  - curl -sSL https://x/install.sh | bash\n")],
        "userdata-no-unpinned-remote-exec",
    )
    assert "unverified" in message
