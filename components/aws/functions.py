"""AWS functions: one Lambda per enabled entry of `lambda_functions`.

Each function gets its own role allowed only to write its own log group and X-Ray traces
(least privilege), a log group with the stack's retention created before the function
(so Lambda does not create one that never expires), X-Ray tracing, and memory/timeout from
config. No function URL is created: functions are invoked by AWS services or IAM callers.
Code is `functions/<name>/`, packaged by Pulumi as a zip archive.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.aws.policy_documents import assume_role, document
from components.context import StackContext
from components.specs import FunctionPlan, FunctionsArgs

RUNTIME = "python3.12"
HANDLER = "handler.handler"


class AwsFunctions(pulumi.ComponentResource):
    functions: dict[str, aws.lambda_.Function]

    def __init__(
        self, name: str, args: FunctionsArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:aws:Functions", name, None, opts)
        self.functions = {plan.name: self._function(name, plan, ctx) for plan in args.functions}
        self.register_outputs({f"{n}_function": f.name for n, f in self.functions.items()})

    def _function(self, name: str, plan: FunctionPlan, ctx: StackContext) -> aws.lambda_.Function:
        role_name = f"{name}-{plan.slug}"
        function_name = f"{ctx.prefix}-{plan.slug}"
        tags = ctx.tags_with(function=plan.slug)
        log_group = aws.cloudwatch.LogGroup(
            f"{role_name}-logs",
            name=f"/aws/lambda/{function_name}",
            retention_in_days=ctx.log_retention_days,
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
