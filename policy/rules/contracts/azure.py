"""Deploy contracts of Azure: what the cloud or a consuming service requires of a combination of resources.

- `azure-no-key-upload`: azure-native's `storage.Blob` authenticates with account keys, so it
  cannot write to an account that forbids them (the first `pulumi up` stops there);
- `azure-function-code-published`: a Flex Consumption app runs only the package One Deploy gave
  it, so every app needs a publisher that runs again when the package changes, and deployment
  storage that authenticates the way its account allows;
- `azure-front-door-storage-origin`: Front Door Standard must be able to reach its storage
  origin (no storage firewall it cannot pass), send `x-ms-version` with its Entra token, and probe
  a real blob;
- `azure-compute-has-egress`: a Flexible scale set, or a subnet without default outbound access,
  reaches the internet only through an explicit path (NAT, public IP, load balancer outbound);
- `azure-autoscale-can-wake`: a tier at zero instances emits no metric of its own, so CPU rules
  alone never start it;
- `azure-storage-least-privilege`: data-plane write roles on an account that holds data are
  granted per container, never on the account, and function host storage holds no data;
- `azure-cli-outlasts-rbac`: an Azure CLI command that runs after a role assignment it relies on
  retries for at least the 10 minutes Azure takes to apply it, and refreshes a CI login;
- `azure-identity-connection-complete`: an app with only user-assigned identities names the
  identity (`__credential`, `__clientId`) of every identity-based connection.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from policy.rules.base import Finding, Res, Rule, Stack, StackRule, get, is_false, is_true, items, known
from policy.rules.contracts.area import AREA

BLOB = "azure-native:storage:Blob"
ACCOUNT = "azure-native:storage:StorageAccount"
CONTAINER = "azure-native:storage:BlobContainer"
WEB_APP = "azure-native:web:WebApp"
COMMAND = "command:local:Command"
AFD_ORIGIN = "azure-native:cdn:AFDOrigin"
AFD_ORIGIN_GROUP = "azure-native:cdn:AFDOriginGroup"
AFD_PROFILE = "azure-native:cdn:Profile"
AFD_ROUTE = "azure-native:cdn:Route"
AFD_RULE_SET = "azure-native:cdn:RuleSet"
AFD_RULE = "azure-native:cdn:Rule"
SCALE_SET = "azure-native:compute:VirtualMachineScaleSet"
SUBNET = "azure-native:network:Subnet"
LOAD_BALANCER = "azure-native:network:LoadBalancer"
AUTOSCALE = "azure-native:monitor:AutoscaleSetting"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"

BLOB_HOST_SUFFIX = ".blob.core.windows.net"
MIN_BEARER_VERSION = "2017-11-09"  # the oldest storage service version that accepts an Entra token
# Data-plane and management roles that write or own data, when scoped to a whole account.
WRITE_ROLES = {
    "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor",
    "17d1049b-9a84-46fb-8f53-869881c3d3ab": "Storage Account Contributor",
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
}


def _account_name(res: Res) -> Any:
    return res.get("accountName")


def _accounts(stack: Stack) -> dict[str, Res]:
    return {str(a.get("accountName")): a for a in stack.of(ACCOUNT) if known(a.get("accountName"))}


def _account_of(res: Res, prop: str, accounts: Mapping[str, Res], stack: Stack) -> Res | None:
    """The stack's account `res.<prop>` names, by value or by property dependency."""
    value = res.get(prop)
    if known(value) and str(value) in accounts:
        return accounts[str(value)]
    return next((a for a in stack.of(ACCOUNT) if res.depends_on(prop, a.urn)), None)


# --- azure-no-key-upload ----------------------------------------------------------------


def _no_key_upload(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    accounts = _accounts(stack)
    for blob in stack.of(BLOB):
        account = _account_of(blob, "accountName", accounts, stack)
        if account is not None and is_false(account.get("allowSharedKeyAccess")):
            yield (
                f"{blob.name}: azure-native:storage:Blob writes with the account keys, and "
                f"{account.get('accountName')} forbids shared-key access: the upload fails with "
                "KeyBasedAuthenticationNotPermitted. Publish with Entra ID (az ... --auth-mode login, One Deploy)",
                blob.urn,
            )


# --- azure-function-code-published ------------------------------------------------------


def _deployment_storage(app: Res) -> Any:
    return get(app.props, "functionAppConfig", "deployment", "storage")


def _function_code_published(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    accounts = _accounts(stack)
    commands = stack.of(COMMAND)
    for app in stack.of(WEB_APP):
        storage = _deployment_storage(app)
        if not storage or not known(storage):
            continue
        publishers = [c for c in commands if c.waits_for(app.urn)]
        if not publishers:
            yield (
                f"{app.name}: a Flex Consumption app runs only what One Deploy published to it, and nothing "
                "publishes this one: declare a publisher (az functionapp deployment source config-zip) that "
                "depends on the app",
                app.urn,
            )
        elif not any(items(c.props, "triggers") for c in publishers):
            yield (
                f"{app.name}: its publisher has no triggers, so a changed package never reaches the running app; "
                "trigger it on the package digest",
                app.urn,
            )
        auth = get(storage, "authentication", "type")
        host = str(get(storage, "value", default="")).removeprefix("https://").split(".", 1)[0]
        account = accounts.get(host)
        keyless = account is not None and is_false(account.get("allowSharedKeyAccess"))
        if auth == "StorageAccountConnectionString" and keyless:
            yield (
                f"{app.name}: deployment storage authenticates with a connection string (account key), and "
                f"{host} forbids shared-key access; use UserAssignedIdentity or SystemAssignedIdentity",
                app.urn,
            )


# --- azure-front-door-storage-origin ----------------------------------------------------


def _firewalled(account: Res) -> bool:
    return (
        get(account.props, "networkRuleSet", "defaultAction") == "Deny"
        or account.get("publicNetworkAccess") == "Disabled"
    )


def _version_rules(stack: Stack, route: Res) -> list[str]:
    """The x-ms-version values the route's rule sets set on requests to the origin."""
    set_ids = {get(r, "id") for r in items(route.props, "ruleSets")}
    sets = [s for s in stack.of(AFD_RULE_SET) if s.get("id") in set_ids or route.depends_on("ruleSets", s.urn)]
    versions = []
    for rule in stack.of(AFD_RULE):
        in_sets = (
            rule.depends_on("ruleSetName", s.urn) or rule.get("ruleSetName") == s.get("ruleSetName") for s in sets
        )
        if not any(in_sets):
            continue
        for action in items(rule.props, "actions"):
            params = get(action, "parameters", default={})
            header = str(get(params, "headerName", default="")).lower()
            if get(action, "name") == "ModifyRequestHeader" and header == "x-ms-version":
                versions.append(str(get(params, "value", default="")))
    return versions


def _front_door_storage_origin(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    accounts = _accounts(stack)
    for origin in stack.of(AFD_ORIGIN):
        host = origin.get("hostName")
        if not known(host) or not str(host).endswith(BLOB_HOST_SUFFIX):
            continue
        account = accounts.get(str(host).split(".", 1)[0])
        private_link = origin.get("sharedPrivateLinkResource")
        if account is not None and _firewalled(account) and not private_link:
            yield (
                f"{origin.name}: {host} denies network access by default and Front Door Standard is not a trusted "
                "service of the storage firewall (Private Link is Premium-only): every request fails. Serve the "
                "content from an account Front Door can reach, authorized by Entra ID only",
                origin.urn,
            )
        groups = [g for g in stack.of(AFD_ORIGIN_GROUP) if origin.depends_on("originGroupName", g.urn)]
        for group in groups:
            if get(group.props, "authentication", "type") and private_link:
                yield (
                    f"{origin.name}: managed-identity origin authentication does not work with Private Link",
                    origin.urn,
                )
            probe = get(group.props, "healthProbeSettings", "probePath")
            if known(probe) and probe is not None and str(probe).strip("/").count("/") < 1:
                yield (
                    f"{group.name}: the health probe asks for {probe!r}, which is no blob (storage answers 4xx); "
                    "probe /<container>/<blob> of an object the stack creates",
                    group.urn,
                )
            if not get(group.props, "authentication", "type"):
                continue
            routes = [r for r in stack.of(AFD_ROUTE) if r.depends_on("originGroup", group.urn)]
            for route in routes:
                versions = _version_rules(stack, route)
                if not any(v >= MIN_BEARER_VERSION for v in versions):
                    yield (
                        f"{route.name}: Front Door authenticates to storage with its managed identity, and storage "
                        f"accepts an Entra token only with x-ms-version >= {MIN_BEARER_VERSION}, which nothing sets: "
                        "add a rule set with a ModifyRequestHeader action for x-ms-version",
                        route.urn,
                    )


# --- azure-compute-has-egress -----------------------------------------------------------


def _nic_subnets(scale_set: Res) -> list[tuple[Any, bool, bool]]:
    """(subnet id, has a public IP config, is in a load balancer pool) per NIC IP configuration."""
    found = []
    profile = get(scale_set.props, "virtualMachineProfile", "networkProfile", default={})
    for nic in items(profile, "networkInterfaceConfigurations"):
        for ip in items(nic, "ipConfigurations"):
            found.append(
                (
                    get(ip, "subnet", "id"),
                    bool(get(ip, "publicIPAddressConfiguration")),
                    bool(items(ip, "loadBalancerBackendAddressPools")),
                )
            )
    return found


def _compute_has_egress(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    subnets = {s.get("id"): s for s in stack.of(SUBNET) if known(s.get("id"))}
    outbound_lbs = [lb for lb in stack.of(LOAD_BALANCER) if items(lb.props, "outboundRules")]
    for scale_set in stack.of(SCALE_SET):
        flexible = scale_set.get("orchestrationMode") == "Flexible"
        for subnet_id, public_ip, in_pool in _nic_subnets(scale_set):
            subnet = subnets.get(subnet_id)
            if subnet is None and not known(subnet_id):  # at preview: the subnet the profile was built from
                subnet = next(
                    (s for s in stack.of(SUBNET) if scale_set.depends_on("virtualMachineProfile", s.urn)), None
                )
            if subnet is None or public_ip or (in_pool and outbound_lbs):
                continue
            no_default = is_false(subnet.get("defaultOutboundAccess"))
            if (flexible or no_default) and not subnet.get("natGateway"):
                why = (
                    "Flexible scale sets get no default outbound access" if flexible else "defaultOutboundAccess is off"
                )
                yield (
                    f"{scale_set.name}: its subnet {subnet.get('subnetName')} has no NAT gateway and its instances no "
                    f"public IP or outbound rule ({why}): no package, driver or model download can work. Attach a "
                    "NAT gateway, or declare the tier offline",
                    scale_set.urn,
                )


# --- azure-autoscale-can-wake -----------------------------------------------------------


def _minimum(profile: Any) -> int | None:
    value = get(profile, "capacity", "minimum")
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _autoscale_can_wake(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for setting in stack.of(AUTOSCALE):
        target = setting.get("targetResourceUri")
        profiles = items(setting.props, "profiles")
        scheduled_up = any((get(p, "recurrence") or get(p, "fixedDate")) and (_minimum(p) or 0) >= 1 for p in profiles)
        for profile in profiles:
            if _minimum(profile) != 0 or scheduled_up:
                continue
            scale_out = [r for r in items(profile, "rules") if get(r, "scaleAction", "direction") == "Increase"]
            foreign = [
                r
                for r in scale_out
                if known(uri := get(r, "metricTrigger", "metricResourceUri")) and uri and str(uri) != str(target)
            ]
            if not foreign:
                yield (
                    f"{setting.name}: profile {get(profile, 'name')} lets the tier reach 0 instances and scales out "
                    "only on the tier's own metrics, which a tier without instances does not emit: it never wakes. "
                    "Add a scheduled profile with minimum >= 1, a rule on another resource's metric, or minimum 1",
                    setting.urn,
                )


# --- azure-storage-least-privilege ------------------------------------------------------


def _data_accounts(stack: Stack) -> set[str]:
    """Accounts that hold bucket-class data (containers carrying `bucket_class` metadata)."""
    return {
        str(c.get("accountName"))
        for c in stack.of(CONTAINER)
        if known(c.get("accountName")) and get(c.props, "metadata", "bucket_class")
    }


def _storage_least_privilege(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    data = _data_accounts(stack)
    for grant in stack.of(ROLE_ASSIGNMENT):
        role = str(grant.get("roleDefinitionId", default="")).rsplit("/", 1)[-1]
        scope = grant.get("scope")
        if role not in WRITE_ROLES or not known(scope):
            continue
        on_account = next((n for n in sorted(data) if str(scope).endswith(f"/storageAccounts/{n}")), None)
        if on_account:
            yield (
                f"{grant.name}: {WRITE_ROLES[role]} on the whole account {on_account}, which holds data (backups "
                "included): grant the container the identity needs, with the least role (Reader/Contributor)",
                grant.urn,
            )
    for app in stack.of(WEB_APP):
        for setting in items(app.props, "siteConfig", "appSettings"):
            if get(setting, "name") == "AzureWebJobsStorage__accountName" and get(setting, "value") in data:
                yield (
                    f"{app.name}: its host storage is the data account {get(setting, 'value')}; the host's identity "
                    "needs Owner there. Give the functions their own account",
                    app.urn,
                )


# --- azure-cli-outlasts-rbac ------------------------------------------------------------

RBAC_PROPAGATION_S = 600  # "it can take up to 10 minutes for changes to take effect"
CI_LOGIN_MARK = "ACTIONS_ID_TOKEN_REQUEST_URL"  # a script that refreshes the CLI login from GitHub's OIDC token


def _number(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


def _cli_outlasts_rbac(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    grants = stack.of(ROLE_ASSIGNMENT)
    for command in stack.of(COMMAND):
        script = command.get("create")
        if not known(script) or not script or "az " not in str(script):
            continue
        if not any(command.waits_for(g.urn) for g in grants):
            continue
        env = command.get("environment", default={})
        if not known(env) or not isinstance(env, Mapping):
            continue
        window = _number(env.get("RETRY_ATTEMPTS", 0)) * _number(env.get("RETRY_DELAY", 0))
        if window < RBAC_PROPAGATION_S:
            yield (
                f"{command.name}: runs the Azure CLI right after a role assignment it relies on and retries for "
                f"{window} s (RETRY_ATTEMPTS x RETRY_DELAY in its environment); Azure takes up to "
                f"{RBAC_PROPAGATION_S // 60} minutes to apply an assignment, so the first `pulumi up` fails with 403",
                command.urn,
            )
        if CI_LOGIN_MARK not in str(script):
            yield (
                f"{command.name}: in GitHub Actions the CLI's federated login expires after about 5 minutes, and this "
                "command never logs in again (AADSTS700024): use the shared prelude (components/azure/cli.py)",
                command.urn,
            )


# --- azure-identity-connection-complete ---------------------------------------------------

# App settings that make `<prefix>` an identity-based connection (Azure Functions reference).
IDENTITY_CONNECTION_SUFFIXES = (
    "__accountName",
    "__blobServiceUri",
    "__queueServiceUri",
    "__tableServiceUri",
    "__serviceUri",
    "__fullyQualifiedNamespace",
)


def _identity_connections(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for app in stack.of(WEB_APP):
        kind = get(app.props, "identity", "type")
        if not known(kind) or str(kind).replace(" ", "").lower() != "userassigned":
            continue  # a system-assigned identity is the one a connection without a client id uses
        settings = items(app.props, "siteConfig", "appSettings")
        names = {str(get(s, "name")): get(s, "value") for s in settings if known(get(s, "name"))}
        prefixes = sorted({n.rsplit("__", 1)[0] for n in names if n.endswith(IDENTITY_CONNECTION_SUFFIXES)})
        for prefix in prefixes:
            credential = names.get(f"{prefix}__credential")
            missing = [
                k
                for k, ok in (
                    (f"{prefix}__credential=managedidentity", credential == "managedidentity"),
                    (f"{prefix}__clientId", f"{prefix}__clientId" in names),
                )
                if not ok
            ]
            if missing and known(credential):
                yield (
                    f"{app.name}: the connection {prefix} is identity-based but the app has only user-assigned "
                    f"identities and {', '.join(missing)} is not set: the host looks for a system-assigned identity, "
                    "which does not exist, and every call fails",
                    app.urn,
                )


MI_AUTH_DOC = "https://learn.microsoft.com/azure/frontdoor/origin-authentication-with-managed-identities"
# --- security operations: the Front Door WAF and the backup vault ----------------------------

AFD_SECURITY_POLICY = "azure-native:cdn:SecurityPolicy"
WAF_POLICY = "azure-native:frontdoor:Policy"
BACKUP_VAULT = "azure-native:dataprotection:BackupVault"
BACKUP_POLICY = "azure-native:dataprotection:BackupPolicy"
BACKUP_INSTANCE = "azure-native:dataprotection:BackupInstance"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
STORAGE_ACCOUNT_BACKUP_CONTRIBUTOR = "e5e2a7ff-d759-4cd2-bb51-3152d37e2eb1"


def _front_door_waf(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for association in stack.of(AFD_SECURITY_POLICY):
        policies = [p for p in stack.of(WAF_POLICY) if association.depends_on("parameters", p.urn)]
        profiles = [p for p in stack.of(AFD_PROFILE) if association.depends_on("profileName", p.urn)]
        for policy in policies:
            for profile in profiles:
                sku, profile_sku = get(policy.props, "sku", "name"), get(profile.props, "sku", "name")
                if known(sku) and known(profile_sku) and sku != profile_sku:
                    yield (
                        f"{policy.name}: WAF policy SKU {sku} on a {profile_sku} profile: the association is refused",
                        policy.urn,
                    )
    for policy in stack.of(WAF_POLICY):
        sku = get(policy.props, "sku", "name")
        if sku == "Standard_AzureFrontDoor" and items(policy.props, "managedRules", "managedRuleSets"):
            yield (
                f"{policy.name}: managed rule sets on a Standard policy ('Managed rule sets, such as the Default Rule "
                "Set, require the Premium tier')",
                policy.urn,
            )
        location, name = policy.get("location"), policy.get("policyName")
        if known(location) and location and str(location).lower() != "global":
            yield f"{policy.name}: a Front Door WAF policy's location is Global, not {location}", policy.urn
        if known(name) and name and not str(name).isalnum():
            yield f"{policy.name}: WAF policy names are letters and digits only ({name!r})", policy.urn


def _operational(stack: Stack, instance: Res) -> bool:
    """Whether the instance's policy keeps operational (point-in-time) backups."""
    for policy in stack.of(BACKUP_POLICY):
        if instance.depends_on("properties", policy.urn):
            return any(
                get(lifecycle, "sourceDataStore", "dataStoreType") == "OperationalStore"
                for rule in items(policy.props, "properties", "policyRules")
                for lifecycle in items(rule, "lifecycles")
            )
    return False


BLOB_DATASOURCE = "Microsoft.Storage/storageAccounts/blobServices"
# For blobs, the retention rule that may (and must) hold each store's lifecycle.
BLOB_RETENTION_RULE = {"OperationalStore": "Default_OperationalStore"}


def _blob_retention_rules(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for policy in stack.of(BACKUP_POLICY):
        if BLOB_DATASOURCE not in [str(t) for t in items(policy.props, "properties", "datasourceTypes")]:
            continue
        for rule in items(policy.props, "properties", "policyRules"):
            if get(rule, "objectType") != "AzureRetentionRule":
                continue
            name = get(rule, "name")
            for lifecycle in items(rule, "lifecycles"):
                store = get(lifecycle, "sourceDataStore", "dataStoreType")
                if not known(store) or not known(name):
                    continue
                wanted = BLOB_RETENTION_RULE.get(str(store))
                if wanted is not None and name != wanted:
                    yield (
                        f"{policy.name}: the {store} lifecycle is in the retention rule {name!r}; for blobs it belongs "
                        f"in a rule of its own named {wanted!r} (Default is the vaulted store's): the policy is "
                        "refused or its point-in-time retention ignored",
                        policy.urn,
                    )
                elif wanted is None and name == BLOB_RETENTION_RULE["OperationalStore"]:
                    yield (
                        f"{policy.name}: the retention rule {name!r} holds a {store} lifecycle; it is reserved for "
                        "operational (OperationalStore) retention",
                        policy.urn,
                    )


def _backup_can_read(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for instance in stack.of(BACKUP_INSTANCE):
        accounts = [a for a in stack.of(ACCOUNT) if instance.depends_on("properties", a.urn)]
        vaults = [v for v in stack.of(BACKUP_VAULT) if instance.depends_on("vaultName", v.urn)]
        for account in accounts:
            grants = [
                g
                for g in stack.of(ROLE_ASSIGNMENT)
                if str(g.get("roleDefinitionId", default="")).endswith(STORAGE_ACCOUNT_BACKUP_CONTRIBUTOR)
                and g.depends_on("scope", account.urn)
                and (not vaults or any(g.depends_on("principalId", v.urn) for v in vaults))
            ]
            if not grants:
                yield (
                    f"{instance.name}: the vault's identity has no Storage Account Backup Contributor on "
                    f"{account.name}: configuring the backup fails",
                    instance.urn,
                )
            elif not any(instance.waits_for(g.urn) for g in grants):
                yield (
                    f"{instance.name}: configured before its vault may read {account.name} (wait for the grant)",
                    instance.urn,
                )
            if _operational(stack, instance):
                services = [s for s in stack.of(BLOB_SERVICE) if s.depends_on("accountName", account.urn)]
                if services and not any(is_true(get(s.props, "restorePolicy", "enabled")) for s in services):
                    yield (
                        f"{account.name}: operational backup turns on blob point-in-time restore, which its blob "
                        "service does not declare: the next `pulumi up` turns it off again",
                        account.urn,
                    )


RULES: list[Rule] = [
    StackRule(
        name="azure-no-key-upload",
        area=AREA,
        description="No key-authenticated upload (azure-native storage.Blob) to an account that forbids shared keys.",
        severity=Severity.HIGH,
        types=(BLOB, ACCOUNT),
        check=_no_key_upload,
        cannot_see="uploads made outside Pulumi (CI scripts)",
        remediation="Publish with Entra ID: One Deploy (az functionapp deployment source config-zip), "
        "az storage blob upload --auth-mode login.",
        docs=(
            "https://github.com/pulumi/pulumi-azure-native/issues/2015",
            "https://learn.microsoft.com/azure/storage/common/shared-key-authorization-prevent",
        ),
    ),
    StackRule(
        name="azure-function-code-published",
        area=AREA,
        description="Every Flex Consumption app has a publisher triggered by its package, and deployment storage "
        "authenticates the way its account allows.",
        severity=Severity.HIGH,
        types=(WEB_APP, COMMAND, ACCOUNT),
        check=_function_code_published,
        cannot_see="whether the deployer can reach the SCM site and holds the publish permission",
        remediation="components/azure/functions.py: a command:local:Command running One Deploy, triggered by "
        "the package digest and the app id.",
        docs=(
            "https://learn.microsoft.com/azure/azure-functions/deployment-zip-push",
            "https://learn.microsoft.com/azure/azure-functions/flex-consumption-how-to",
        ),
    ),
    StackRule(
        name="azure-front-door-storage-origin",
        area=AREA,
        description="Front Door can reach its storage origin, sends x-ms-version with its managed identity, and "
        "probes a real blob.",
        severity=Severity.HIGH,
        types=(AFD_ORIGIN, AFD_ORIGIN_GROUP, AFD_ROUTE, AFD_RULE, ACCOUNT),
        check=_front_door_storage_origin,
        cannot_see="firewall rules added outside the stack; whether the probed blob exists yet",
        remediation="Media in an account the network can reach (Entra ID only), a rule set setting x-ms-version, "
        "the probe at /<container>/healthz.txt.",
        docs=(
            "https://learn.microsoft.com/azure/frontdoor/private-link",
            MI_AUTH_DOC,
            "https://learn.microsoft.com/rest/api/storageservices/versioning-for-the-azure-storage-services",
            "https://learn.microsoft.com/azure/frontdoor/health-probes",
        ),
    ),
    StackRule(
        name="azure-compute-has-egress",
        area=AREA,
        description="Scale sets without default outbound access have an explicit way out (NAT gateway, public IP "
        "or outbound rule).",
        severity=Severity.HIGH,
        types=(SCALE_SET, SUBNET),
        check=_compute_has_egress,
        cannot_see="egress through a firewall or peered network declared outside the stack",
        remediation="azure.network.nat_gateway (on by default); false only for offline images.",
        docs=("https://learn.microsoft.com/azure/virtual-network/ip-services/default-outbound-access",),
    ),
    StackRule(
        name="azure-autoscale-can-wake",
        area=AREA,
        description="An autoscale profile that reaches 0 instances has a way to scale out that does not need the "
        "tier's own metrics.",
        severity=Severity.MEDIUM,
        types=(AUTOSCALE,),
        check=_autoscale_can_wake,
        cannot_see="scale-outs triggered by hand or by automation outside the stack",
        remediation="A weekly busy-hours profile (components/azure/compute.py), a metric of another resource, "
        "or minimum 1.",
        docs=(
            "https://learn.microsoft.com/azure/azure-monitor/autoscale/autoscale-understanding-settings",
            "https://learn.microsoft.com/azure/azure-monitor/autoscale/autoscale-best-practices",
        ),
    ),
    StackRule(
        name="azure-storage-least-privilege",
        area=AREA,
        description="No Owner/Contributor role on a storage account that holds data (grant per container), and "
        "function host storage is not the data account.",
        severity=Severity.HIGH,
        types=(ROLE_ASSIGNMENT, WEB_APP, CONTAINER),
        check=_storage_least_privilege,
        cannot_see="roles granted outside the stack (subscription or resource-group scope)",
        remediation="azure.function_data_access: read|write per container; host storage in the functions' own account.",
        docs=(
            "https://learn.microsoft.com/azure/azure-functions/storage-considerations",
            "https://learn.microsoft.com/azure/storage/blobs/assign-azure-role-data-access",
        ),
    ),
    StackRule(
        name="azure-cli-outlasts-rbac",
        area=AREA,
        description="An Azure CLI command that runs after a role assignment it relies on retries for at least the "
        "10 minutes Azure takes to apply it (RETRY_ATTEMPTS x RETRY_DELAY in its environment), and logs in again "
        "from the GitHub OIDC token, whose federated login expires after about 5 minutes.",
        severity=Severity.HIGH,
        types=(COMMAND, ROLE_ASSIGNMENT),
        check=_cli_outlasts_rbac,
        cannot_see="which failures the script retries (components/azure/cli.py retries authorization errors only)",
        remediation="Build the script with components/azure/cli.py az_script() and its retry_environment().",
        docs=(
            "https://learn.microsoft.com/azure/role-based-access-control/troubleshooting",
            "https://learn.microsoft.com/azure/storage/blobs/assign-azure-role-data-access",
            "https://github.com/Azure/login/issues/441",
        ),
    ),
    StackRule(
        name="azure-identity-connection-complete",
        area=AREA,
        description="A function app with only user-assigned identities sets <connection>__credential="
        "managedidentity and <connection>__clientId for every identity-based connection; without them the host "
        "uses the system-assigned identity, which the app does not have.",
        severity=Severity.HIGH,
        types=(WEB_APP,),
        check=_identity_connections,
        cannot_see="connections the code builds itself from other settings",
        remediation="components/azure/functions.py sets DATA_STORAGE__credential and DATA_STORAGE__clientId "
        "with DATA_STORAGE__blobServiceUri.",
        docs=(
            "https://learn.microsoft.com/azure/azure-functions/functions-reference#common-properties-for-identity-based-connections",
        ),
    ),
    StackRule(
        name="front-door-waf-matches-profile",
        area=AREA,
        description="A Front Door WAF policy has its profile's SKU, managed rule sets only on Premium, location "
        "Global and a name of letters and digits.",
        severity=Severity.HIGH,
        types=(AFD_SECURITY_POLICY, WAF_POLICY, AFD_PROFILE),
        check=_front_door_waf,
        cannot_see="policies and profiles of other stacks",
        remediation="A Standard policy with custom rules (components/azure/waf.py); managed rules need Premium.",
        docs=(
            "https://learn.microsoft.com/azure/web-application-firewall/afds/waf-front-door-custom-rules-powershell",
            "https://learn.microsoft.com/azure/frontdoor/web-application-firewall",
        ),
    ),
    StackRule(
        name="azure-blob-retention-rules",
        area=AREA,
        description="A blob backup policy keeps vaulted retention in the rule `Default` and operational "
        "(point-in-time) retention in a rule of its own, `Default_OperationalStore`; one rule never mixes the two.",
        severity=Severity.HIGH,
        types=(BACKUP_POLICY,),
        check=_blob_retention_rules,
        cannot_see="whether ARM refuses the mixed shape or accepts it and ignores the operational lifecycle (the "
        "validation quoted is the clients')",
        remediation="components/azure/backup.py: one AzureRetentionRule per store (Default: VaultStore; "
        "Default_OperationalStore: OperationalStore), both isDefault.",
        docs=(
            "https://learn.microsoft.com/powershell/module/az.dataprotection/edit-azdataprotectionpolicyretentionruleclientobject",
            "https://learn.microsoft.com/cli/azure/dataprotection/backup-policy/retention-rule",
            "https://github.com/Azure/azure-powershell/blob/main/src/DataProtection/DataProtection.Autorest/examples/Edit-AzDataProtectionPolicyRetentionRuleClientObject.md",
        ),
    ),
    StackRule(
        name="azure-backup-can-read-account",
        area=AREA,
        description="A blob backup instance waits for its vault's Storage Account Backup Contributor grant on the "
        "account; operational backup's point-in-time restore is declared on the blob service.",
        severity=Severity.HIGH,
        types=(BACKUP_INSTANCE, BACKUP_VAULT, BACKUP_POLICY, ROLE_ASSIGNMENT, ACCOUNT, BLOB_SERVICE),
        check=_backup_can_read,
        cannot_see="grants made at resource-group or subscription scope; how long the grant takes to propagate",
        remediation="Grant the vault identity on each account before the instance (components/azure/backup.py).",
        docs=(
            "https://learn.microsoft.com/azure/backup/blob-backup-configure-manage",
            "https://learn.microsoft.com/azure/backup/blob-backup-support-matrix",
        ),
    ),
]
