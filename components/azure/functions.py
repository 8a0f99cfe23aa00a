"""Azure functions: one Function App per enabled entry of `functions`, on Flex Consumption.

Flex Consumption (FC1) rather than the classic Consumption plan (Y1): Linux Y1 gets no new
language versions and cannot join a virtual network, while this platform's storage accounts
deny public network access by default and accept no shared keys. FC1 apps join the
`functions` subnet and reach storage through its service endpoint with a managed identity:
no connection string, no SAS, no key.

Per stack, the functions' own storage account (`<storage_account><env>fn`): host state
(`AzureWebJobsStorage`: leases, keys) and one deployment container per app. It holds no data,
so the apps' identities may own it (the host needs Storage Blob Data Owner there); the data
account is reached only through the containers `azure.function_data_access` grants, with
Storage Blob Data Reader or Contributor on each container, never on the account.

Per function:
- a user-assigned identity (created before the app, so its role assignments exist when the
  app first starts), Storage Blob Data Owner on the functions account;
- a Flex Consumption plan (FC1 hosts one app per plan) and a Linux function app with HTTPS
  only, TLS 1.2 minimum (site and SCM), FTPS disabled, FTP and SCM basic-auth publishing off;
  its deployment storage is its container, read and written with that identity;
- the code: `functions/<name>/` published with One Deploy by `az functionapp deployment source
  config-zip` (a `command:local:Command`; Entra ID of the deployer, remote build for Python),
  triggered by the folder's digest and the app's id, so a changed package, or a replaced app,
  reaches the running app. `storage.Blob` cannot do it: it authenticates with account keys,
  which the accounts refuse (pulumi/pulumi-azure-native#2015). Needs the Azure CLI where
  `pulumi up` runs (docs/azure.md);
- Application Insights (workspace-based, one Log Analytics workspace per stack) with its
  connection string in the app settings as a secret;
- instance memory from `memory_mb` rounded up to what FC1 offers (512/2048/4096 MB);
  `min_instances` becomes always-ready HTTP instances (prod) or none (scale to zero).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native.applicationinsights as insights
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.managedidentity as managedidentity
import pulumi_azure_native.operationalinsights as operationalinsights
import pulumi_azure_native.storage as storage
import pulumi_azure_native.web as web
from pulumi_command import local

from components.azure.cli import az_script, retry_environment
from components.azure.roles import (
    STORAGE_BLOB_DATA_CONTRIBUTOR,
    STORAGE_BLOB_DATA_OWNER,
    STORAGE_BLOB_DATA_READER,
    role_definition,
)
from components.azure.storage import AzureStorage, AzureStorageArgs, blob_host
from components.context import StackContext
from components.specs import FunctionPlan, FunctionsArgs
from infra.config import ROOT, BucketClass

RUNTIME = web.FunctionsRuntimeArgs(name="python", version="3.11")
FLEX_MEMORY_MB = (512, 2048, 4096)
MAX_INSTANCES = 40
MIN_WORKSPACE_RETENTION_DAYS = 30  # the lowest Log Analytics retention (PerGB2018)
HOST_ID_LENGTH = 32  # the Functions host ID is the app name cut to 32 characters
DATA_ROLES = {"read": STORAGE_BLOB_DATA_READER, "write": STORAGE_BLOB_DATA_CONTRIBUTOR}
# One Deploy from the function's folder: zip it (Python's standard library, no zip tool needed) and publish
# with the deployer's Entra ID; Flex builds Python remotely (requirements.txt). Runs in functions/<name>/.
# Deployment storage is written with the app's identity, granted moments earlier: `retry` (components/azure/cli.py)
# waits out the role assignment's propagation and refreshes a CI login.
PUBLISH = az_script(
    'package="$(mktemp -d)/package"\n'
    'python3 -c \'import shutil, sys; shutil.make_archive(sys.argv[1], "zip", ".")\' "$package"\n'
    'retry az functionapp deployment source config-zip --subscription "$SUBSCRIPTION_ID" '
    '--resource-group "$RESOURCE_GROUP" --name "$APP_NAME" --src "$package.zip" --build-remote true --timeout 600\n'
)


@dataclass(frozen=True)
class AzureFunctionsArgs(FunctionsArgs):
    resource_group_name: pulumi.Input[str]
    location: str
    subscription_id: str
    host_account_name: str
    """The functions' own storage account (host state and deployment packages; never data)."""
    subnet_id: pulumi.Input[str]
    data: AzureStorage | None = None
    """The data account, reached only through the containers in `data_access`."""
    data_access: Mapping[str, Mapping[BucketClass, str]] = field(default_factory=dict)
    """Function -> {bucket class: read|write}."""


def flex_memory(memory_mb: int) -> int:
    """The smallest Flex Consumption instance size holding `memory_mb`."""
    return next((m for m in FLEX_MEMORY_MB if m >= memory_mb), FLEX_MEMORY_MB[-1])


def host_id_clashes(app_names: list[str]) -> list[str]:
    """App names whose host IDs (the first 32 characters) clash on their shared host storage."""
    seen: dict[str, str] = {}
    clashes = []
    for name in app_names:
        key = name[:HOST_ID_LENGTH].rstrip("-")
        if key in seen:
            clashes.append(f"{seen[key]} and {name}")
        seen[key] = name
    return clashes


class AzureFunctions(pulumi.ComponentResource):
    functions: dict[str, web.WebApp]
    identities: dict[str, managedidentity.UserAssignedIdentity]
    publishers: dict[str, local.Command]
    insights: dict[str, insights.Component]
    workspace: operationalinsights.Workspace | None
    host_storage: AzureStorage | None

    def __init__(
        self, name: str, args: AzureFunctionsArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:azure:Functions", name, None, opts)
        self.functions, self.identities, self.publishers, self.insights = {}, {}, {}, {}
        self.workspace = None
        self.host_storage = None
        if args.functions:
            app_names = [f"{ctx.prefix}-{plan.slug}" for plan in args.functions]
            if clashes := host_id_clashes(app_names):
                raise ValueError(f"{name}: function apps share host storage but their host IDs clash: {clashes}")
            self.host_storage = AzureStorage(
                f"{name}-host",
                AzureStorageArgs(
                    resource_group_name=args.resource_group_name,
                    location=args.location,
                    account_name=args.host_account_name,
                    buckets=[],
                    artifacts_container="",
                    subnet_ids=[args.subnet_id],
                ),
                ctx,
                ctx.child(self),
            )
            self.workspace = operationalinsights.Workspace(
                f"{name}-logs",
                workspace_name=f"{ctx.prefix}-functions-logs",
                resource_group_name=args.resource_group_name,
                location=args.location,
                sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
                retention_in_days=max(ctx.log_retention_days, MIN_WORKSPACE_RETENTION_DAYS),
                tags=ctx.tags,
                opts=ctx.child(self),
            )
            for plan in args.functions:
                self._function(name, plan, args, ctx)
        self.register_outputs({f"{n}_app": a.name for n, a in self.functions.items()})

    def _grant(
        self,
        role: str,
        identity: managedidentity.UserAssignedIdentity,
        definition: str,
        scope: pulumi.Input[str],
        args: AzureFunctionsArgs,
        ctx: StackContext,
        description: str,
    ) -> authorization.RoleAssignment:
        return authorization.RoleAssignment(
            role,
            principal_id=identity.principal_id,
            principal_type="ServicePrincipal",
            role_definition_id=role_definition(args.subscription_id, definition),
            scope=scope,
            description=description,
            opts=ctx.child(self),
        )

    def _function(self, name: str, plan: FunctionPlan, args: AzureFunctionsArgs, ctx: StackContext) -> None:
        assert self.host_storage is not None and self.workspace is not None  # noqa: S101 (set by the caller)
        role = f"{name}-{plan.slug}"
        rg = args.resource_group_name
        app_name = f"{ctx.prefix}-{plan.slug}"
        tags = ctx.tags_with(function=plan.slug)
        host = self.host_storage.account
        identity = managedidentity.UserAssignedIdentity(
            f"{role}-identity",
            resource_name_=f"{app_name}-id",
            resource_group_name=rg,
            location=args.location,
            tags=tags,
            opts=ctx.child(self),
        )
        self.identities[plan.name] = identity
        container = storage.BlobContainer(
            f"{role}-deployment",
            container_name=f"package-{plan.slug}"[:63].rstrip("-"),
            account_name=host.name,
            resource_group_name=rg,
            public_access=storage.PublicAccess.NONE,
            opts=ctx.child(self),
        )
        grants = [
            self._grant(
                f"{role}-host-storage",
                identity,
                STORAGE_BLOB_DATA_OWNER,
                host.id,
                args,
                ctx,
                f"{app_name}: host state and its deployment package (the functions' own account, no data)",
            )
        ]
        if args.data is not None:
            grants += [
                self._grant(
                    f"{role}-{cls.value}-{access}",
                    identity,
                    DATA_ROLES[access],
                    args.data.container_id(cls),
                    args,
                    ctx,
                    f"{app_name}: {access} the {cls.value} container",
                )
                for cls, access in args.data_access.get(plan.name, {}).items()
            ]
        component = insights.Component(
            f"{role}-insights",
            resource_name_=app_name,
            resource_group_name=rg,
            location=args.location,
            kind="web",
            application_type="web",
            workspace_resource_id=self.workspace.id,
            ingestion_mode="LogAnalytics",
            retention_in_days=max(ctx.log_retention_days, MIN_WORKSPACE_RETENTION_DAYS),
            tags=tags,
            opts=ctx.child(self),
        )
        service_plan = web.AppServicePlan(
            f"{role}-plan",
            name=f"{app_name}-plan",
            resource_group_name=rg,
            location=args.location,
            kind="functionapp",
            reserved=True,
            sku=web.SkuDescriptionArgs(name="FC1", tier="FlexConsumption"),
            tags=tags,
            opts=ctx.child(self),
        )
        always_ready = (
            [web.FunctionsAlwaysReadyConfigArgs(name="http", instance_count=plan.min_instances)]
            if plan.min_instances
            else None
        )
        settings = [
            web.NameValuePairArgs(name="AzureWebJobsStorage__accountName", value=host.name),
            web.NameValuePairArgs(name="AzureWebJobsStorage__credential", value="managedidentity"),
            web.NameValuePairArgs(name="AzureWebJobsStorage__clientId", value=identity.client_id),
            web.NameValuePairArgs(
                name="APPLICATIONINSIGHTS_CONNECTION_STRING", value=pulumi.Output.secret(component.connection_string)
            ),
            web.NameValuePairArgs(name="QMOI_ENVIRONMENT", value=ctx.environment),
        ]
        if args.data is not None and args.data_access.get(plan.name):
            # An identity-based connection: with no clientId the host uses a system-assigned identity, which the
            # app does not have (its only identity is the user-assigned one).
            settings += [
                web.NameValuePairArgs(
                    name="DATA_STORAGE__blobServiceUri", value=pulumi.Output.concat("https://", args.data.blob_host)
                ),
                web.NameValuePairArgs(name="DATA_STORAGE__credential", value="managedidentity"),
                web.NameValuePairArgs(name="DATA_STORAGE__clientId", value=identity.client_id),
            ]
        app = web.WebApp(
            f"{role}-app",
            name=app_name,
            resource_group_name=rg,
            location=args.location,
            kind="functionapp,linux",
            reserved=True,
            server_farm_id=service_plan.id,
            https_only=True,
            client_cert_mode=web.ClientCertMode.OPTIONAL,
            identity=web.ManagedServiceIdentityArgs(
                type=web.ManagedServiceIdentityType.USER_ASSIGNED, user_assigned_identities=[identity.id]
            ),
            virtual_network_subnet_id=args.subnet_id,
            site_config=web.SiteConfigArgs(
                min_tls_version="1.2",
                scm_min_tls_version="1.2",
                ftps_state="Disabled",
                http20_enabled=True,
                remote_debugging_enabled=False,
                app_settings=settings,
            ),
            function_app_config=web.FunctionAppConfigArgs(
                deployment=web.FunctionsDeploymentArgs(
                    storage=web.FunctionsDeploymentStorageArgs(
                        type="blobContainer",
                        value=pulumi.Output.concat("https://", blob_host(host), "/", container.name),
                        authentication=web.FunctionsDeploymentStorageAuthenticationArgs(
                            type=web.AuthenticationType.USER_ASSIGNED_IDENTITY,
                            user_assigned_identity_resource_id=identity.id,
                        ),
                    )
                ),
                runtime=RUNTIME,
                scale_and_concurrency=web.FunctionsScaleAndConcurrencyArgs(
                    instance_memory_mb=flex_memory(plan.memory_mb),
                    maximum_instance_count=MAX_INSTANCES,
                    always_ready=always_ready,
                ),
            ),
            tags=tags,
            opts=ctx.child(self, depends_on=grants),
        )
        for policy, cls in (("ftp", web.WebAppFtpAllowed), ("scm", web.WebAppScmAllowed)):
            cls(
                f"{role}-{policy}-basic-auth",
                name=app.name,
                resource_group_name=rg,
                allow=False,
                opts=ctx.child(self),
            )
        self.publishers[plan.name] = local.Command(
            f"{role}-publish",
            create=PUBLISH,
            dir=plan.source_dir.relative_to(ROOT).as_posix(),
            environment={
                "SUBSCRIPTION_ID": args.subscription_id,
                "RESOURCE_GROUP": rg,
                "APP_NAME": app.name,
                **retry_environment(),
            },
            triggers=[plan.source_digest, app.id],
            opts=ctx.child(self, depends_on=[app, *grants]),
        )
        self.functions[plan.name] = app
        self.insights[plan.name] = component
