"""GCP functions: one 2nd-gen Cloud Function per enabled entry of `cloud_functions`.

- source: `functions/<name>/` zipped by Pulumi into the artifacts bucket (versioned, never
  public) under a name carrying a digest of the folder, so a code change redeploys;
- runtime: Python 3.12, HTTP entry point `handler` (functions-framework), memory and
  timeout from config, min instances from `functions.min_instances` (0 outside prod:
  scale to zero), max instances bounded so a traffic spike cannot outrun the budget;
- identity: a dedicated runtime service account per function with no project roles at
  all (logs written to stdout are collected by the platform); a build service account
  shared by the stack's functions instead of the default compute account, with the one role
  Google documents for a user-specified build account: Cloud Run Builder (`roles/run.builder`)
  on the project (build logs, the image in Artifact Registry, the source Google stages in its
  own `gcf-v2-sources-*` buckets). Grants take minutes to propagate: a first build started
  right after them can fail with PERMISSION_DENIED, and a second `pulumi up` succeeds
  (docs/gcp.md);
- exposure: ingress `ALLOW_INTERNAL_AND_GCLB` (VPC and Google load balancers only) and
  no invoker binding at all: callers must be granted `roles/run.invoker` explicitly, and
  `allUsers` never is.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.context import StackContext
from components.specs import FunctionPlan, FunctionsArgs

RUNTIME = "python312"
ENTRY_POINT = "handler"
INGRESS = "ALLOW_INTERNAL_AND_GCLB"
MAX_INSTANCES = 20
# cloud.google.com/run/docs/configuring/services/build-service-account: "grant the Cloud Run Builder
# (roles/run.builder) role to the Cloud Build service account on the project".
BUILD_ROLES = ("roles/run.builder",)


def service_account_id(name: str) -> str:
    """A service account id (6-30 chars, letters, digits, hyphens); long names keep a hash suffix."""
    if len(name) <= 30:
        return name
    return f"{name[:25].rstrip('-')}-{hashlib.sha256(name.encode()).hexdigest()[:4]}"


@dataclass(frozen=True)
class GcpFunctionsArgs(FunctionsArgs):
    region: str
    project: str
    source_bucket: pulumi.Input[str]


class GcpFunctions(pulumi.ComponentResource):
    functions: dict[str, gcp.cloudfunctionsv2.Function]
    service_accounts: dict[str, gcp.serviceaccount.Account]
    build_service_account: gcp.serviceaccount.Account | None

    def __init__(
        self, name: str, args: GcpFunctionsArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:gcp:Functions", name, None, opts)
        self.functions, self.service_accounts = {}, {}
        self.build_service_account = None
        if args.functions:
            builder, grants = self._builder(name, args, ctx)
            self.build_service_account = builder
            for plan in args.functions:
                self.functions[plan.name] = self._function(name, plan, args, ctx, builder, grants)
        self.register_outputs({f"{n}_function": f.name for n, f in self.functions.items()})

    def _builder(
        self, name: str, args: GcpFunctionsArgs, ctx: StackContext
    ) -> tuple[gcp.serviceaccount.Account, list[pulumi.Resource]]:
        account = gcp.serviceaccount.Account(
            f"{name}-builder",
            account_id=service_account_id(f"{ctx.prefix}-fn-build"),
            display_name=f"qmoi {ctx.environment} Cloud Functions builds",
            opts=ctx.child(self),
        )
        grants: list[pulumi.Resource] = [
            gcp.projects.IAMMember(
                f"{name}-builder-{role.split('/')[1].replace('.', '-').lower()}",
                project=args.project,
                role=role,
                member=account.member,
                opts=ctx.child(self),
            )
            for role in BUILD_ROLES
        ]
        return account, grants

    def _function(
        self,
        name: str,
        plan: FunctionPlan,
        args: GcpFunctionsArgs,
        ctx: StackContext,
        builder: gcp.serviceaccount.Account,
        grants: list[pulumi.Resource],
    ) -> gcp.cloudfunctionsv2.Function:
        role = f"{name}-{plan.slug}"
        function_name = f"{ctx.prefix}-{plan.slug}"
        labels = ctx.tags_with(function=plan.slug)
        account = gcp.serviceaccount.Account(
            f"{role}-sa",
            account_id=service_account_id(f"{ctx.prefix}-fn-{plan.slug}"),
            display_name=f"{function_name} runtime (no project roles)",
            opts=ctx.child(self),
        )
        self.service_accounts[plan.name] = account
        source = gcp.storage.BucketObject(
            f"{role}-source",
            bucket=args.source_bucket,
            name=f"functions/{plan.slug}-{plan.source_digest}.zip",
            source=pulumi.FileArchive(str(plan.source_dir)),
            content_type="application/zip",
            opts=ctx.child(self),
        )
        return gcp.cloudfunctionsv2.Function(
            f"{role}-function",
            name=function_name,
            location=args.region,
            description=f"qmoi {ctx.environment} {plan.name}",
            build_config=gcp.cloudfunctionsv2.FunctionBuildConfigArgs(
                runtime=RUNTIME,
                entry_point=ENTRY_POINT,
                service_account=builder.id,
                source=gcp.cloudfunctionsv2.FunctionBuildConfigSourceArgs(
                    storage_source=gcp.cloudfunctionsv2.FunctionBuildConfigSourceStorageSourceArgs(
                        bucket=source.bucket, object=source.name
                    )
                ),
            ),
            service_config=gcp.cloudfunctionsv2.FunctionServiceConfigArgs(
                available_memory=f"{plan.memory_mb}M",
                timeout_seconds=plan.timeout_s,
                min_instance_count=plan.min_instances,
                max_instance_count=MAX_INSTANCES,
                ingress_settings=INGRESS,
                all_traffic_on_latest_revision=True,
                service_account_email=account.email,
                environment_variables={"QMOI_ENVIRONMENT": ctx.environment},
            ),
            labels=labels,
            opts=ctx.child(self, depends_on=grants),
        )
