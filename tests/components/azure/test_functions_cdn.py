"""Azure functions and Front Door on the mock runtime: TLS, FTPS, basic auth, identity, routes, domains."""

from __future__ import annotations

APP = "azure-native:web:WebApp"


def test_one_function_app_per_enabled_function(azure_dev):
    names = sorted(r.inputs["name"] for r in azure_dev.of_type(APP))
    assert names == ["qmoi-dev-platform-sync", "qmoi-dev-revenue-generation"]


def test_function_apps_are_https_only_tls12_without_ftps_and_with_their_own_user_assigned_identity(azure_dev):
    identities = {r.id: r for r in azure_dev.of_type("azure-native:managedidentity:UserAssignedIdentity")}
    for app in azure_dev.of_type(APP):
        i = app.inputs
        assert i["kind"] == "functionapp,linux"
        assert i["httpsOnly"] is True
        assert i["siteConfig"]["minTlsVersion"] == "1.2"
        assert i["siteConfig"]["scmMinTlsVersion"] == "1.2"
        assert i["siteConfig"]["ftpsState"] == "Disabled"
        assert i["identity"]["type"] == "UserAssigned"
        (identity,) = i["identity"]["userAssignedIdentities"]
        assert identities[identity].inputs["resourceName"] == f"{i['name']}-id"


def test_basic_auth_publishing_is_off_for_ftp_and_scm(azure_dev):
    for token in ("azure-native:web:WebAppFtpAllowed", "azure-native:web:WebAppScmAllowed"):
        policies = azure_dev.of_type(token)
        assert len(policies) == 2
        assert all(p.inputs["allow"] is False for p in policies)


def test_apps_run_on_flex_consumption_and_deploy_from_the_functions_account_with_their_identity(azure_dev):
    plans = azure_dev.of_type("azure-native:web:AppServicePlan")
    assert {p.inputs["sku"]["name"] for p in plans} == {"FC1"}
    storage = azure_dev.named("az-functions-revenue-generation-app").inputs["functionAppConfig"]["deployment"][
        "storage"
    ]
    identity = azure_dev.named("az-functions-revenue-generation-identity")
    assert storage["authentication"] == {"type": "UserAssignedIdentity", "userAssignedIdentityResourceId": identity.id}
    assert storage["value"] == "https://qmoistoragedevfn.blob.core.windows.net/package-revenue-generation"


def test_the_app_identity_owns_only_the_functions_account_and_no_data(azure_dev):
    grant = azure_dev.named("az-functions-revenue-generation-host-storage").inputs
    assert grant["roleDefinitionId"].endswith("/b7e6dc6d-f1e8-4753-8033-0f276bb0955b")
    assert grant["scope"].endswith("/storageAccounts/qmoistoragedevfn")
    assert grant["principalType"] == "ServicePrincipal"
    scopes = [
        r.inputs["scope"]
        for r in azure_dev.of_type("azure-native:authorization:RoleAssignment")
        if r.name.startswith("az-functions-")
    ]
    assert not any(s.endswith("/storageAccounts/qmoistoragedev") or "/qmoistoragedev/" in s for s in scopes)


def test_the_application_insights_connection_string_is_a_secret_app_setting(azure_dev):
    settings = {
        s["name"]: s["value"]
        for s in azure_dev.named("az-functions-platform-sync-app").inputs["siteConfig"]["appSettings"]
    }
    assert settings["APPLICATIONINSIGHTS_CONNECTION_STRING"] == "[secret]"
    assert settings["AzureWebJobsStorage__accountName"] == "qmoistoragedevfn"
    assert settings["AzureWebJobsStorage__credential"] == "managedidentity"


def test_front_door_is_standard_with_an_https_probe_and_the_media_blob_origin(azure_dev):
    (profile,) = azure_dev.of_type("azure-native:cdn:Profile")
    assert profile.inputs["sku"]["name"] == "Standard_AzureFrontDoor"
    (group,) = azure_dev.of_type("azure-native:cdn:AFDOriginGroup")
    assert group.inputs["healthProbeSettings"]["probeProtocol"] == "Https"
    assert group.inputs["authentication"]["type"] == "SystemAssignedIdentity"
    (origin,) = azure_dev.of_type("azure-native:cdn:AFDOrigin")
    assert origin.inputs["hostName"] == "qmoistoragedevmed.blob.core.windows.net"


def test_the_route_redirects_http_to_https_and_forwards_over_https_only(azure_dev):
    (route,) = azure_dev.of_type("azure-native:cdn:Route")
    assert route.inputs["httpsRedirect"] == "Enabled"
    assert route.inputs["forwardingProtocol"] == "HttpsOnly"
    assert route.inputs["originPath"] == "/media"


def test_custom_domains_use_managed_certificates_with_tls12(azure_dev):
    (domain,) = azure_dev.of_type("azure-native:cdn:AFDCustomDomain")
    assert domain.inputs["hostName"] == "assets.example.com"
    assert domain.inputs["tlsSettings"] == {"certificateType": "ManagedCertificate", "minimumTlsVersion": "TLS12"}
    (route,) = azure_dev.of_type("azure-native:cdn:Route")
    assert route.inputs["customDomains"][0]["id"].endswith("/customDomains/assets-example-com")
