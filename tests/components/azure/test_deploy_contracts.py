"""Azure defects of the deploy-contracts review (issue 13), on the shipped stacks and single components.

Each test failed before its fix: code uploaded with account keys, Front Door unable to read media,
tiers without egress, tiers at zero that never wake, function identities owning the data account.
"""

from __future__ import annotations

import subprocess

import pytest

from components.azure import cdn, functions
from components.specs import FunctionPlan
from tests.components.azure.conftest import AZURE
from tests.conftest import make_config

APP = "azure-native:web:WebApp"
COMMAND = "command:local:Command"
ACCOUNT = "azure-native:storage:StorageAccount"
OWNER = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"
CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
BACKUP_CONTRIBUTOR = "e5e2a7ff-d759-4cd2-bb51-3152d37e2eb1"


def azure(plan, token: str):
    return [r for r in plan.of_type(token) if r.urn.split("::")[-2].startswith("pulumi:pulumi:Stack$qmoi:azure")]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_no_function_package_is_uploaded_with_account_keys(stack_plan, stack):
    plan = stack_plan(stack)
    assert plan.of_type("azure-native:storage:Blob") == []
    assert all(r.inputs["allowSharedKeyAccess"] is False for r in plan.of_type(ACCOUNT))


def test_every_function_app_is_published_by_a_command_triggered_by_its_package_digest(dev_plan):
    publishers = {r.name: r for r in dev_plan.of_type(COMMAND)}
    for app in dev_plan.of_type(APP):
        function = app.inputs["tags"]["function"].replace("-", "_")
        publisher = publishers[app.name.removesuffix("-app") + "-publish"]
        assert app.urn in publisher.dependencies
        assert "az functionapp deployment source config-zip" in publisher.inputs["create"]
        assert publisher.inputs["dir"] == f"functions/{function}"
        assert FunctionPlan(function, 256, 30, 0, ()).source_digest in publisher.inputs["triggers"]
        assert app.id in publisher.inputs["triggers"]  # a replaced app is published again


def test_a_changed_package_changes_the_publishers_triggers(azure_dev, record_component, monkeypatch):
    from components.azure.platform import AzurePlatform

    before = azure_dev.named("az-functions-platform-sync-publish").inputs["triggers"]
    monkeypatch.setattr(FunctionPlan, "source_digest", property(lambda self: "0123456789ab"))
    config = make_config("dev", azure=AZURE)  # what azure_dev was built from
    after = (
        record_component(lambda: AzurePlatform("az", config), stack="dev")
        .named("az-functions-platform-sync-publish")
        .inputs["triggers"]
    )
    assert before != after and "0123456789ab" in after


@pytest.mark.parametrize(("module", "script"), [(functions, "PUBLISH"), (cdn, "UPLOAD_HEALTH_BLOB")])
def test_the_deploy_scripts_are_valid_posix_shell(module, script):
    subprocess.run(["sh", "-n", "-c", getattr(module, script)], check=True)  # noqa: S603, S607 (our own script)


def test_front_door_reads_media_from_an_account_the_network_can_reach_with_entra_id_only(dev_plan):
    (origin,) = dev_plan.of_type("azure-native:cdn:AFDOrigin")
    account_name = origin.inputs["hostName"].split(".", 1)[0]
    (account,) = [r for r in dev_plan.of_type(ACCOUNT) if r.inputs["accountName"] == account_name]
    assert account.inputs["networkRuleSet"]["defaultAction"] == "Allow"
    assert account.inputs["allowSharedKeyAccess"] is False
    assert account.inputs["allowBlobPublicAccess"] is False
    (group,) = dev_plan.of_type("azure-native:cdn:AFDOriginGroup")
    assert group.inputs["authentication"]["type"] == "SystemAssignedIdentity"


def test_front_door_sends_an_x_ms_version_that_storage_accepts_with_a_bearer_token(dev_plan):
    (route,) = dev_plan.of_type("azure-native:cdn:Route")
    (rule_set,) = dev_plan.of_type("azure-native:cdn:RuleSet")
    assert route.inputs["ruleSets"] == [{"id": rule_set.id}]
    (rule,) = dev_plan.of_type("azure-native:cdn:Rule")
    assert rule.inputs["conditions"] == []
    (action,) = rule.inputs["actions"]
    assert action["name"] == "ModifyRequestHeader"
    assert action["parameters"]["headerName"] == "x-ms-version"
    assert action["parameters"]["value"] >= "2017-11-09"


def test_front_door_probes_a_real_blob_that_the_stack_uploads_without_keys(dev_plan):
    (group,) = dev_plan.of_type("azure-native:cdn:AFDOriginGroup")
    (route,) = dev_plan.of_type("azure-native:cdn:Route")
    container = route.inputs["originPath"].strip("/")
    assert group.inputs["healthProbeSettings"]["probePath"] == f"/{container}/healthz.txt"
    upload = dev_plan.named("qmoi-azure-cdn-health-blob").inputs
    assert "--auth-mode login" in upload["create"]
    where = {k: upload["environment"][k] for k in ("ACCOUNT", "CONTAINER", "BLOB")}
    assert where == {"ACCOUNT": "qmoistoragedevmed", "CONTAINER": container, "BLOB": "healthz.txt"}
    assert dev_plan.outputs is not None


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_the_azure_tiers_have_egress_in_every_stack(stack_plan, stack):
    plan = stack_plan(stack)
    (nat,) = plan.of_type("azure-native:network:NatGateway")
    tiers = next(r for r in plan.of_type("azure-native:network:Subnet") if r.inputs["subnetName"] == "tiers")
    assert tiers.inputs["natGateway"] == {"id": nat.id}
    assert all(
        s.inputs["orchestrationMode"] == "Flexible" for s in plan.of_type("azure-native:compute:VirtualMachineScaleSet")
    )


@pytest.mark.parametrize("stack", ["dev", "staging"])
def test_an_azure_tier_at_zero_has_a_weekly_schedule_that_wakes_it(stack_plan, stack):
    plan = stack_plan(stack)
    at_zero = [
        s
        for s in plan.of_type("azure-native:monitor:AutoscaleSetting")
        if s.inputs["profiles"][0]["capacity"]["minimum"] == "0"
    ]
    assert at_zero
    for setting in at_zero:
        scheduled = {p["name"].rsplit("-", 1)[-1]: p for p in setting.inputs["profiles"] if "recurrence" in p}
        assert scheduled["busy"]["capacity"]["minimum"] == "1"
        assert scheduled["idle"]["capacity"]["minimum"] == "0"
        busy, idle = (scheduled[k]["recurrence"]["schedule"] for k in ("busy", "idle"))
        assert busy["days"] == idle["days"] and idle["hours"][0] > busy["hours"][0]


def windows(setting) -> dict[str, tuple]:
    """label -> (minimum, days, hour, time zone) of an autoscale setting's recurring profiles."""
    return {
        p["name"].rsplit("-", 1)[-1]: (
            p["capacity"]["minimum"],
            p["recurrence"]["schedule"]["days"],
            p["recurrence"]["schedule"]["hours"],
            p["recurrence"]["schedule"]["timeZone"],
        )
        for p in setting.inputs["profiles"]
        if "recurrence" in p
    }


@pytest.mark.parametrize("stack", ["dev", "staging"])
def test_an_azure_tier_at_zero_runs_in_the_window_its_schedule_names_like_aws_and_gcp(stack_plan, stack):
    plan = stack_plan(stack)
    weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
    for tier in ("gpu", "memory"):
        schedule = getattr(plan.config.autoscaling, tier).schedule
        if schedule is None:
            continue
        setting = plan.named(f"qmoi-azure-compute-{tier}-autoscale")
        assert windows(setting) == {
            "busy": (str(schedule.instances), weekdays, [schedule.start_hour], "UTC"),
            "idle": ("0", weekdays, [schedule.end_hour], "UTC"),
        }
        # the AWS group of the same tier starts and stops at the same hours
        aws = {
            r.inputs["recurrence"] for r in plan.of_type("aws:autoscaling/schedule:Schedule") if f"-{tier}-" in r.name
        }
        assert aws == {schedule.cron(schedule.start_hour), schedule.cron(schedule.end_hour)}
    dev_gpu = windows(stack_plan("dev").named("qmoi-azure-compute-gpu-autoscale"))
    assert (dev_gpu["busy"][2], dev_gpu["idle"][2]) == ([14], [16])  # dev profile: MON-FRI 14-16 UTC


def test_the_azure_schedule_takes_its_days_instances_and_time_zone_from_the_config(record_component):
    from components.azure.platform import AzurePlatform

    window = {"days": "SAT-MON", "start_hour": 6, "end_hour": 23, "time_zone": "Europe/Berlin", "instances": 2}
    config = make_config(
        "dev",
        azure={**AZURE, "functions": {}, "cdn": {"enabled": False}},
        autoscaling={"gpu": {"min": 0, "desired": 0, "max": 3, "schedule": window}},
    )
    plan = record_component(lambda: AzurePlatform("az", config), stack="dev")
    days = ["Monday", "Saturday", "Sunday"]
    assert windows(plan.named("az-compute-gpu-autoscale")) == {
        "busy": ("2", days, [6], "W. Europe Standard Time"),
        "idle": ("0", days, [23], "W. Europe Standard Time"),
    }


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_no_identity_holds_an_account_wide_data_role_on_an_account_with_data(stack_plan, stack):
    plan = stack_plan(stack)
    data_accounts = {
        c.inputs["accountName"] for c in plan.of_type("azure-native:storage:BlobContainer") if "metadata" in c.inputs
    }
    for grant in plan.of_type("azure-native:authorization:RoleAssignment"):
        scope = grant.inputs["scope"]
        if scope.rsplit("/", 1)[-1] in data_accounts:
            assert not grant.inputs["roleDefinitionId"].endswith((OWNER, CONTRIBUTOR)), grant.name


@pytest.fixture(scope="module")
def data_access_plan(record_component):
    from components.azure.platform import AzurePlatform

    config = make_config(
        "dev", azure={**AZURE, "function_data_access": {"platform_sync": {"artifacts": "read", "caches": "write"}}}
    )
    return record_component(lambda: AzurePlatform("az", config), stack="dev")


def app_settings(plan, app: str) -> dict:
    return {s["name"]: s["value"] for s in plan.named(app).inputs["siteConfig"]["appSettings"]}


def test_function_data_access_is_granted_on_each_named_container_only(data_access_plan):
    plan = data_access_plan
    read = plan.named("az-functions-platform-sync-artifacts-read").inputs
    write = plan.named("az-functions-platform-sync-caches-write").inputs
    assert read["roleDefinitionId"].endswith(READER) and write["roleDefinitionId"].endswith(CONTRIBUTOR)
    assert read["scope"].endswith("/storageAccounts/qmoistoragedev/blobServices/default/containers/qmoi-artifacts")
    assert write["scope"].endswith("/containers/caches")
    settings = app_settings(plan, "az-functions-platform-sync-app")
    assert settings["DATA_STORAGE__blobServiceUri"] == "https://qmoistoragedev.blob.core.windows.net"
    assert not [
        r for r in plan.of_type("azure-native:authorization:RoleAssignment") if "revenue-generation-artifacts" in r.name
    ]


def test_data_access_uses_the_app_s_user_assigned_identity_not_a_system_one_it_lacks(data_access_plan):
    settings = app_settings(data_access_plan, "az-functions-platform-sync-app")
    assert settings["DATA_STORAGE__credential"] == "managedidentity"
    # the one identity of the app (the host storage connection names it too), never a system-assigned one
    assert settings["DATA_STORAGE__clientId"] == settings["AzureWebJobsStorage__clientId"]
    (app,) = [a for a in data_access_plan.of_type(APP) if a.name == "az-functions-platform-sync-app"]
    assert app.inputs["identity"]["type"] == "UserAssigned"
    others = app_settings(data_access_plan, "az-functions-revenue-generation-app")
    assert not [name for name in others if name.startswith("DATA_STORAGE")]


def test_function_data_access_must_name_a_configured_function():
    from infra.config import ConfigError

    with pytest.raises(ConfigError, match="function_data_access: 'nope' is not in functions"):
        make_config("dev", azure={**AZURE, "function_data_access": {"nope": {"artifacts": "read"}}})


def test_container_scoped_role_assignments_and_the_health_upload_wait_for_their_container(dev_plan):
    containers = {c.inputs["containerName"]: c for c in dev_plan.of_type("azure-native:storage:BlobContainer")}
    for name in ("qmoi-azure-cdn-media-reader", "qmoi-azure-cdn-deployer-media-writer"):
        grant = dev_plan.named(name)
        container = containers[grant.inputs["scope"].rsplit("/", 1)[-1]]
        assert container.urn in grant.property_dependencies["scope"], name
    writer = dev_plan.named("qmoi-azure-cdn-deployer-media-writer")
    assert writer.urn in dev_plan.named("qmoi-azure-cdn-health-blob").dependencies


def test_the_deploy_identity_docs_let_it_assign_exactly_the_roles_the_stack_grants(dev_plan):
    from tests.conftest import ROOT

    granted = {
        r.inputs["roleDefinitionId"].rsplit("/", 1)[-1]
        for r in dev_plan.of_type("azure-native:authorization:RoleAssignment")
    }
    assert granted == {OWNER, CONTRIBUTOR, READER, BACKUP_CONTRIBUTOR}
    deploying = (ROOT / "docs" / "deploying.md").read_text()
    section = deploying.split("### Azure: the deploy identity", 1)[1].split("\n### ", 1)[0]
    (roles_line,) = [line for line in section.splitlines() if line.startswith("roles='")]
    assert set(roles_line.removeprefix("roles='").rstrip("'").split(", ")) == granted
    assert "Role Based Access Control Administrator" in section and "--condition" in section
    # the CI recipe and the provider page say the same: Contributor alone cannot create role assignments
    oidc = deploying.split("**Azure.** An app registration", 1)[1].split("**Cloudflare and DigitalOcean**", 1)[0]
    assert '--role "Role Based Access Control Administrator"' in oidc
    azure = (ROOT / "docs" / "azure.md").read_text()
    assert "Role Based Access Control" in azure and "Owner (role assignments are created)" not in azure
