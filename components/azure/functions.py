"""Azure functions: one Function App per enabled entry of `functions`, on Flex Consumption.

Flex Consumption (FC1) rather than the classic Consumption plan (Y1): Linux Y1 gets no new
language versions and cannot join a virtual network, while this platform's storage account
denies public network access by default and accepts no shared keys. FC1 apps join the
`functions` subnet, reach storage through its service endpoint, and read their deployment
package with their system-assigned identity: no connection string, no SAS, no key.

Per function:
- a Flex Consumption plan (FC1 hosts one app per plan) and a Linux function app with
  HTTPS only, TLS 1.2 minimum (site and SCM), FTPS disabled, FTP and SCM basic-auth
  publishing credentials off, a system-assigned identity;
- its package: `functions/<name>/` zipped by Pulumi and uploaded as `released-package.zip`
  (the name Flex's one-deploy reads) to its own deployment container next to the artifacts
  container (`<container>-<function>`): Flex reads one package per container;
- role assignments for that identity: Storage Blob Data Owner on the account (the host's
  AzureWebJobsStorage, identity-based) - the package container is inside it;
- Application Insights (workspace-based, one Log Analytics workspace per stack) with its
  connection string in the app settings as a secret;
- instance memory from `memory_mb` rounded up to what FC1 offers (512/2048/4096 MB);
  `min_instances` becomes always-ready HTTP instances (prod) or none (scale to zero).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native.applicationinsights as insights
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.operationalinsights as operationalinsights
import pulumi_azure_native.storage as storage
import pulumi_azure_native.web as web

from components.context import StackContext
from components.specs import FunctionPlan, FunctionsArgs

RUNTIME = web.FunctionsRuntimeArgs(name="python", version="3.11")
PACKAGE_BLOB = "released-package.zip"
FLEX_MEMORY_MB = (512, 2048, 4096)
MAX_INSTANCES = 40
MIN_WORKSPACE_RETENTION_DAYS = 30  # the lowest Log Analytics retention (PerGB2018)
STORAGE_BLOB_DATA_OWNER = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"


@dataclass(frozen=True)
class AzureFunctionsArgs(FunctionsArgs):
    resource_group_name: pulumi.Input[str]
    location: str
    subscription_id: str
    account_name: pulumi.Input[str]
    account_id: pulumi.Input[str]
    blob_endpoint: pulumi.Input[str]
    artifacts_container: str
    subnet_id: pulumi.Input[str]


def flex_memory(memory_mb: int) -> int:
    """The smallest Flex Consumption instance size holding `memory_mb`."""
    return next((m for m in FLEX_MEMORY_MB if m >= memory_mb), FLEX_MEMORY_MB[-1])


def role_definition(subscription_id: str, role: str) -> str:
    return f"/subscriptions/{subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{role}"


class AzureFunctions(pulumi.ComponentResource):
    functions: dict[str, web.WebApp]
    insights: dict[str, insights.Component]
    workspace: operationalinsights.Workspace | None

    def __init__(
        self, name: str, args: AzureFunctionsArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:azure:Functions", name, None, opts)
        self.functions = {}
        self.insights = {}
        self.workspace = None
        if args.functions:
            workspace = operationalinsights.Workspace(
                f"{name}-logs",
                workspace_name=f"qmoi-{ctx.environment}-functions-logs",
                resource_group_name=args.resource_group_name,
                location=args.location,
                sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
                retention_in_days=max(ctx.log_retention_days, MIN_WORKSPACE_RETENTION_DAYS),
                tags=ctx.tags,
                opts=ctx.child(self),
            )
            self.workspace = workspace
            for plan in args.functions:
                self._function(name, plan, args, workspace, ctx)
        self.register_outputs({f"{n}_app": a.name for n, a in self.functions.items()})

    def _function(
        self,
        name: str,
        plan: FunctionPlan,
        args: AzureFunctionsArgs,
        workspace: operationalinsights.Workspace,
        ctx: StackContext,
    ) -> None:
        role = f"{name}-{plan.slug}"
        rg = args.resource_group_name
        app_name = f"qmoi-{ctx.environment}-{plan.slug}"
        tags = ctx.tags_with(function=plan.slug)
        container = storage.BlobContainer(
            f"{role}-deployment",
            container_name=f"{args.artifacts_container}-{plan.slug}"[:63].rstrip("-"),
            account_name=args.account_name,
            resource_group_name=rg,
            public_access=storage.PublicAccess.NONE,
            opts=ctx.child(self),
        )
        package = storage.Blob(
            f"{role}-package",
            blob_name=PACKAGE_BLOB,
            container_name=container.name,
            account_name=args.account_name,
            resource_group_name=rg,
            type=storage.BlobType.BLOCK,
            content_type="application/zip",
            source=pulumi.FileArchive(str(plan.source_dir)),
            metadata={"source_digest": plan.source_digest},
            opts=ctx.child(self),
        )
        component = insights.Component(
            f"{role}-insights",
            resource_name_=app_name,
            resource_group_name=rg,
            location=args.location,
            kind="web",
            application_type="web",
            workspace_resource_id=workspace.id,
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
            identity=web.ManagedServiceIdentityArgs(type=web.ManagedServiceIdentityType.SYSTEM_ASSIGNED),
            virtual_network_subnet_id=args.subnet_id,
            site_config=web.SiteConfigArgs(
                min_tls_version="1.2",
                scm_min_tls_version="1.2",
                ftps_state="Disabled",
                http20_enabled=True,
                remote_debugging_enabled=False,
                app_settings=[
                    web.NameValuePairArgs(name="AzureWebJobsStorage__accountName", value=args.account_name),
                    web.NameValuePairArgs(
                        name="APPLICATIONINSIGHTS_CONNECTION_STRING",
                        value=pulumi.Output.secret(component.connection_string),
                    ),
                    web.NameValuePairArgs(name="QMOI_ENVIRONMENT", value=ctx.environment),
                ],
            ),
            function_app_config=web.FunctionAppConfigArgs(
                deployment=web.FunctionsDeploymentArgs(
                    storage=web.FunctionsDeploymentStorageArgs(
                        type="blobContainer",
                        value=pulumi.Output.concat(args.blob_endpoint, container.name),
                        authentication=web.FunctionsDeploymentStorageAuthenticationArgs(type="SystemAssignedIdentity"),
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
            opts=ctx.child(self, depends_on=[package]),
        )
        authorization.RoleAssignment(
            f"{role}-storage-owner",
            principal_id=app.identity.apply(lambda i: i.principal_id if i else ""),
            principal_type="ServicePrincipal",
            role_definition_id=role_definition(args.subscription_id, STORAGE_BLOB_DATA_OWNER),
            scope=args.account_id,
            description=f"{app_name}: host storage and its deployment package, by managed identity",
            opts=ctx.child(self),
        )
        for policy, cls in (("ftp", web.WebAppFtpAllowed), ("scm", web.WebAppScmAllowed)):
            cls(
                f"{role}-{policy}-basic-auth",
                name=app.name,
                resource_group_name=rg,
                allow=False,
                opts=ctx.child(self),
            )
        self.functions[plan.name] = app
        self.insights[plan.name] = component
