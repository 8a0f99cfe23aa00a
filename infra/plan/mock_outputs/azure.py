"""Realistic outputs for the azure-native resources the platform uses (ARM ids, hosts, identities)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from infra.plan.mock_outputs import MockContext

SUBSCRIPTION = "0b1f6471-1bf0-4dda-aec3-111122223333"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"

Rule = Callable[[str, dict[str, Any], MockContext], dict[str, Any]]


def _guid(seed: str) -> str:
    d = MockContext.short_id(seed, 32)
    return f"{d[:8]}-{d[8:12]}-4{d[13:16]}-8{d[17:20]}-{d[20:]}"


def _rg_id(inputs: dict[str, Any]) -> str:
    return f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{inputs.get('resourceGroupName', 'qmoi-rg')}"


def _arm(path: str, name_key: str, *parents: str) -> Rule:
    """A resource whose id is <rg>/providers/<path>/<name>, nested under `parents` input names.

    `path` holds one `{}` per parent plus the final type segment, e.g.
    "Microsoft.Network/virtualNetworks/{}/subnets".
    """

    def rule(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
        physical = inputs.get(name_key) or f"{name}{ctx.short_id(name, 6)}"
        resource_path = path.format(*(inputs.get(p, p) for p in parents))
        resource_id = f"{_rg_id(inputs)}/providers/{resource_path}/{physical}"
        return {"__id": resource_id, "id": resource_id, "name": physical, "type": path.split("/{}")[0]}

    return rule


def _with(base: Rule, extra: Callable[[str, dict[str, Any], dict[str, Any]], dict[str, Any]]) -> Rule:
    def rule(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
        out = base(name, inputs, ctx)
        return out | extra(name, inputs, out)

    return rule


def _identity(inputs: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    if not inputs.get("identity"):
        return {}
    identity = dict(inputs["identity"])
    # Given as a list of identity ids; ARM answers with a map id -> {principalId, clientId}.
    assigned = identity.get("userAssignedIdentities")
    if isinstance(assigned, list):
        identity["userAssignedIdentities"] = {
            i: {"principalId": _guid(f"{i}/principal"), "clientId": _guid(f"{i}/client")} for i in assigned
        }
    system = "SystemAssigned" in str(identity.get("type", ""))
    return {
        "identity": identity | ({"principalId": _guid(out["id"] + "/principal"), "tenantId": TENANT} if system else {})
    }


def _user_identity(name: str, inputs: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    return {
        "principalId": _guid(out["id"] + "/principal"),
        "clientId": _guid(out["id"] + "/client"),
        "tenantId": TENANT,
    }


def _resource_group(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    rg = inputs.get("resourceGroupName") or f"{name}{ctx.short_id(name, 6)}"
    resource_id = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{rg}"
    return {"__id": resource_id, "id": resource_id, "name": rg, "properties": {"provisioningState": "Succeeded"}}


def _storage_account(name: str, inputs: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    account = out["name"]
    endpoints = {
        s: f"https://{account}.{s}.core.windows.net/" for s in ("blob", "dfs", "file", "queue", "table", "web")
    }
    return {"primaryEndpoints": endpoints, "primaryLocation": inputs.get("location"), "provisioningState": "Succeeded"}


def _blob(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    blob = inputs.get("blobName") or name
    url = f"https://{inputs.get('accountName')}.blob.core.windows.net/{inputs.get('containerName')}/{blob}"
    return {"__id": url, "name": blob, "url": url}


def _web_app(name: str, inputs: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    return _identity(inputs, out) | {
        "defaultHostName": f"{out['name']}.azurewebsites.net",
        "state": "Running",
        "outboundIpAddresses": "20.119.0.1,20.119.0.2",
    }


def _insights(name: str, inputs: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    key = _guid(out["id"] + "/ikey")
    return {
        "instrumentationKey": key,
        "appId": _guid(out["id"] + "/app"),
        "connectionString": f"InstrumentationKey={key};IngestionEndpoint=https://{inputs.get('location')}-8.in."
        f"applicationinsights.azure.com/;LiveEndpoint=https://{inputs.get('location')}.livediagnostics.monitor.azure.com/",
    }


def _endpoint(name: str, inputs: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    suffix = MockContext.short_id(out["id"], 16)
    return {"hostName": f"{out['name']}-{suffix[:10]}.z01.azurefd.net", "deploymentStatus": "NotStarted"}


def _custom_domain(name: str, inputs: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    return {
        "domainValidationState": "Pending",
        "validationProperties": {"validationToken": MockContext.short_id(out["id"], 32), "expirationDate": ""},
    }


def _role_assignment(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    assignment = _guid(name)
    resource_id = f"{inputs.get('scope', '')}/providers/Microsoft.Authorization/roleAssignments/{assignment}"
    return {"__id": resource_id, "id": resource_id, "name": assignment}


def _budget(name: str, inputs: dict[str, Any], ctx: MockContext) -> dict[str, Any]:
    budget = inputs.get("budgetName") or name
    resource_id = f"{inputs.get('scope', '')}/providers/Microsoft.Consumption/budgets/{budget}"
    return {"__id": resource_id, "id": resource_id, "name": budget}


def _workspace(name: str, inputs: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    return {"customerId": _guid(out["id"])}


def _scale_set(name: str, inputs: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    return {"uniqueId": _guid(out["id"]), "provisioningState": "Succeeded"}


_T = "azure-native"
OUTPUTS: dict[str, Rule] = {
    f"{_T}:resources:ResourceGroup": _resource_group,
    f"{_T}:storage:StorageAccount": _with(_arm("Microsoft.Storage/storageAccounts", "accountName"), _storage_account),
    f"{_T}:storage:BlobServiceProperties": _arm(
        "Microsoft.Storage/storageAccounts/{}/blobServices", "blobServicesName", "accountName"
    ),
    f"{_T}:storage:BlobContainer": _arm(
        "Microsoft.Storage/storageAccounts/{}/blobServices/default/containers", "containerName", "accountName"
    ),
    f"{_T}:storage:ManagementPolicy": _arm(
        "Microsoft.Storage/storageAccounts/{}/managementPolicies", "managementPolicyName", "accountName"
    ),
    f"{_T}:storage:Blob": _blob,
    f"{_T}:network:VirtualNetwork": _arm("Microsoft.Network/virtualNetworks", "virtualNetworkName"),
    f"{_T}:network:Subnet": _arm("Microsoft.Network/virtualNetworks/{}/subnets", "subnetName", "virtualNetworkName"),
    f"{_T}:network:NetworkSecurityGroup": _arm("Microsoft.Network/networkSecurityGroups", "networkSecurityGroupName"),
    f"{_T}:network:PublicIPAddress": _with(
        _arm("Microsoft.Network/publicIPAddresses", "publicIpAddressName"), lambda n, i, o: {"ipAddress": "20.62.0.10"}
    ),
    f"{_T}:network:NatGateway": _arm("Microsoft.Network/natGateways", "natGatewayName"),
    f"{_T}:compute:VirtualMachineScaleSet": _with(
        _arm("Microsoft.Compute/virtualMachineScaleSets", "vmScaleSetName"), _scale_set
    ),
    f"{_T}:monitor:AutoscaleSetting": _arm("Microsoft.Insights/autoscalesettings", "autoscaleSettingName"),
    f"{_T}:monitor:ActionGroup": _arm("Microsoft.Insights/actionGroups", "actionGroupName"),
    f"{_T}:monitor:MetricAlert": _arm("Microsoft.Insights/metricAlerts", "ruleName"),
    f"{_T}:operationalinsights:Workspace": _with(
        _arm("Microsoft.OperationalInsights/workspaces", "workspaceName"), _workspace
    ),
    f"{_T}:applicationinsights:Component": _with(_arm("Microsoft.Insights/components", "resourceName"), _insights),
    f"{_T}:web:AppServicePlan": _arm("Microsoft.Web/serverfarms", "name"),
    f"{_T}:web:WebApp": _with(_arm("Microsoft.Web/sites", "name"), _web_app),
    f"{_T}:web:WebAppFtpAllowed": _arm("Microsoft.Web/sites/{}/basicPublishingCredentialsPolicies", "ftp", "name"),
    f"{_T}:web:WebAppScmAllowed": _arm("Microsoft.Web/sites/{}/basicPublishingCredentialsPolicies", "scm", "name"),
    f"{_T}:authorization:RoleAssignment": _role_assignment,
    f"{_T}:cdn:Profile": _with(
        _arm("Microsoft.Cdn/profiles", "profileName"),
        lambda n, i, o: _identity(i, o) | {"frontDoorId": _guid(o["id"])},
    ),
    f"{_T}:cdn:AFDEndpoint": _with(
        _arm("Microsoft.Cdn/profiles/{}/afdEndpoints", "endpointName", "profileName"), _endpoint
    ),
    f"{_T}:cdn:AFDOriginGroup": _arm("Microsoft.Cdn/profiles/{}/originGroups", "originGroupName", "profileName"),
    f"{_T}:cdn:AFDOrigin": _arm(
        "Microsoft.Cdn/profiles/{}/originGroups/{}/origins", "originName", "profileName", "originGroupName"
    ),
    f"{_T}:cdn:AFDCustomDomain": _with(
        _arm("Microsoft.Cdn/profiles/{}/customDomains", "customDomainName", "profileName"), _custom_domain
    ),
    f"{_T}:cdn:Route": _arm(
        "Microsoft.Cdn/profiles/{}/afdEndpoints/{}/routes", "routeName", "profileName", "endpointName"
    ),
    f"{_T}:consumption:Budget": _budget,
    f"{_T}:managedidentity:UserAssignedIdentity": _with(
        _arm("Microsoft.ManagedIdentity/userAssignedIdentities", "resourceName"), _user_identity
    ),
    f"{_T}:cdn:RuleSet": _arm("Microsoft.Cdn/profiles/{}/ruleSets", "ruleSetName", "profileName"),
    f"{_T}:cdn:Rule": _arm("Microsoft.Cdn/profiles/{}/ruleSets/{}/rules", "ruleName", "profileName", "ruleSetName"),
    f"{_T}:cdn:SecurityPolicy": _arm("Microsoft.Cdn/profiles/{}/securityPolicies", "securityPolicyName", "profileName"),
    f"{_T}:frontdoor:Policy": _arm("Microsoft.Network/frontDoorWebApplicationFirewallPolicies", "policyName"),
    f"{_T}:operationalinsights:Table": _arm(
        "Microsoft.OperationalInsights/workspaces/{}/tables", "tableName", "workspaceName"
    ),
    f"{_T}:dataprotection:BackupVault": _with(
        _arm("Microsoft.DataProtection/backupVaults", "vaultName"), lambda n, i, o: _identity(i, o)
    ),
    f"{_T}:dataprotection:BackupPolicy": _arm(
        "Microsoft.DataProtection/backupVaults/{}/backupPolicies", "backupPolicyName", "vaultName"
    ),
    f"{_T}:dataprotection:BackupInstance": _arm(
        "Microsoft.DataProtection/backupVaults/{}/backupInstances", "backupInstanceName", "vaultName"
    ),
    f"{_T}:monitor:SubscriptionDiagnosticSetting": lambda n, i, c: {
        "__id": f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Insights/diagnosticSettings/{i.get('name', n)}"
    },
    f"{_T}:security:Pricing": lambda n, i, c: {
        "__id": f"{i.get('scopeId')}/providers/Microsoft.Security/pricings/{i.get('pricingName')}",
        "freeTrialRemainingTime": "P30D",
    },
    f"{_T}:security:SecurityContact": lambda n, i, c: {
        "__id": f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Security/securityContacts/default"
    },
}
# The deployer as `az login` / OIDC would report it (the principal `pulumi up` runs as).
DEPLOYER_OBJECT_ID = "6f1d5c2a-8b3e-4c7d-9e0f-1a2b3c4d5e6f"
CALLS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    f"{_T}:authorization:getClientConfig": lambda args: {
        "clientId": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "objectId": DEPLOYER_OBJECT_ID,
        "subscriptionId": SUBSCRIPTION,
        "tenantId": TENANT,
    }
}
