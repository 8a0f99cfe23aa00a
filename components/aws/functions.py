"""AWS functions: one Lambda per enabled entry of `lambda_functions`.

Each function gets its own role allowed only to write its own log group and X-Ray traces
(least privilege), a log group with the stack's retention created before the function
(so Lambda does not create one that never expires), X-Ray tracing, and memory/timeout from
config. No function URL is created: functions are invoked by AWS services or IAM callers.
Code is `functions/<name>/`, packaged by Pulumi as a zip archive.

The log groups are encrypted with a customer-managed key of this component. CloudWatch Logs
checks the key when the group is created: its policy must let the *regional* logs service
principal (`logs.<region>.amazonaws.com`) use it, here only for this stack's function log
groups (the `kms:EncryptionContext:aws:logs:arn` condition), or `pulumi up` fails on the group.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws.keys import customer_key
from components.aws.policy_documents import AwsAccount, assume_role, document, key_policy
from components.context import StackContext
from components.specs import FunctionPlan, FunctionsArgs

RUNTIME = "python3.12"
HANDLER = "handler.handler"


LOG_KEY_ACTIONS = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]


@dataclass(frozen=True)
class AwsFunctionsArgs(FunctionsArgs):
    account: AwsAccount | None = None


def log_group_prefix(prefix: str) -> str:
    """The start of this stack's function log group names (`prefix` is the stack's `qmoi-<token>`)."""
    return f"/aws/lambda/{prefix}-"


class AwsFunctions(pulumi.ComponentResource):
    functions: dict[str, aws.lambda_.Function]
    log_key: aws.kms.Key | None

    def __init__(
        self, name: str, args: AwsFunctionsArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:aws:Functions", name, None, opts)
        self.log_key = None
        if args.functions:
            account = args.account or AwsAccount.lookup(self)
            self.log_key = self._log_key(name, account, ctx)
        self.functions = {plan.name: self._function(name, plan, ctx) for plan in args.functions}
        self.register_outputs({f"{n}_function": f.name for n, f in self.functions.items()})

    def _log_key(self, name: str, account: AwsAccount, ctx: StackContext) -> aws.kms.Key:
        groups = account.arn("logs", f"log-group:{log_group_prefix(ctx.prefix)}*")
        logs_service = account.region.apply(lambda region: f"logs.{region}.amazonaws.com")
        grant = pulumi.Output.all(logs_service, groups).apply(
            lambda a: {
                "Sid": "CloudWatchLogsEncryptsFunctionLogs",
                "Effect": "Allow",
                "Principal": {"Service": a[0]},
                "Action": LOG_KEY_ACTIONS,
                "Resource": "*",
                "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": a[1]}},
            }
        )
        key = customer_key(
            self, f"{name}-logs-key", "function-logs", "function log groups", key_policy(account, grant), ctx
        )
        return key

    def _function(self, name: str, plan: FunctionPlan, ctx: StackContext) -> aws.lambda_.Function:
        role_name = f"{name}-{plan.slug}"
        function_name = f"{ctx.prefix}-{plan.slug}"
        tags = ctx.tags_with(function=plan.slug)
        log_group = aws.cloudwatch.LogGroup(
            f"{role_name}-logs",
            name=f"{log_group_prefix(ctx.prefix)}{plan.slug}",
            retention_in_days=ctx.log_retention_days,
            kms_key_id=self.log_key.arn if self.log_key else None,
            tags=tags,
            opts=ctx.child(self),
        )
        role = aws.iam.Role(
            f"{role_name}-role",
            assume_role_policy=assume_role("lambda.amazonaws.com"),
            description=f"{function_name}: own logs and traces only",
            tags=tags,
            opts=ctx.child(self),
        )
        aws.iam.RolePolicy(
            f"{role_name}-policy",
            role=role.id,
            policy=document(
                log_group.arn.apply(
                    lambda arn: {
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": f"{arn}:*",
                    }
                ),
                {"Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "Resource": "*"},
            ),
            opts=ctx.child(self),
        )
        return aws.lambda_.Function(
            f"{role_name}-function",
            name=function_name,
            runtime=RUNTIME,
            handler=HANDLER,
            code=pulumi.FileArchive(str(plan.source_dir)),
            role=role.arn,
            memory_size=plan.memory_mb,
            timeout=plan.timeout_s,
            architectures=["x86_64"],
            tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(log_format="JSON", log_group=log_group.name),
            environment=aws.lambda_.FunctionEnvironmentArgs(variables={"QMOI_ENVIRONMENT": ctx.environment}),
            tags=tags,
            opts=ctx.child(self, depends_on=[log_group]),
        )
