"""AWS monitoring: an SNS topic (encrypted with the AWS-managed SNS key) with e-mail
subscriptions, and CloudWatch alarms on each group's CPU and each function's errors."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import StackContext
from components.specs import CPU_ALERT_PERCENT

PERIOD_S = 300


@dataclass(frozen=True)
class AwsMonitoringArgs:
    group_names: dict[str, pulumi.Input[str]]
    function_names: dict[str, pulumi.Input[str]]


class AwsMonitoring(pulumi.ComponentResource):
    topic: aws.sns.Topic
    alarms: list[aws.cloudwatch.MetricAlarm]

    def __init__(
        self, name: str, args: AwsMonitoringArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:aws:Monitoring", name, None, opts)
        self.topic = aws.sns.Topic(
            f"{name}-alerts",
            name=f"{ctx.prefix}-alerts",
            kms_master_key_id="alias/aws/sns",
            tags=ctx.tags,
            opts=ctx.child(self),
        )
        for i, email in enumerate(ctx.alert_emails):
            aws.sns.TopicSubscription(
                f"{name}-alerts-email-{i}", topic=self.topic.arn, protocol="email", endpoint=email, opts=ctx.child(self)
            )
        self.alarms = [
            self._alarm(
                f"{name}-{tier}-cpu",
                f"{tier} tier CPU above {CPU_ALERT_PERCENT}%",
                "AWS/EC2",
                "CPUUtilization",
                "Average",
                CPU_ALERT_PERCENT,
                {"AutoScalingGroupName": group},
                ctx,
            )
            for tier, group in args.group_names.items()
        ] + [
            self._alarm(
                f"{name}-{fn}-errors",
                f"{fn} function errors",
                "AWS/Lambda",
                "Errors",
                "Sum",
                0,
                {"FunctionName": function},
                ctx,
            )
            for fn, function in args.function_names.items()
        ]
        self.register_outputs({"topic_arn": self.topic.arn})

    def _alarm(
        self,
        name: str,
        description: str,
        namespace: str,
        metric: str,
        statistic: str,
        threshold: float,
        dimensions: dict[str, pulumi.Input[str]],
        ctx: StackContext,
    ) -> aws.cloudwatch.MetricAlarm:
        return aws.cloudwatch.MetricAlarm(
            name,
            alarm_description=description,
            namespace=namespace,
            metric_name=metric,
            statistic=statistic,
            period=PERIOD_S,
            evaluation_periods=3 if metric == "CPUUtilization" else 1,
            threshold=threshold,
            comparison_operator="GreaterThanThreshold",
            dimensions=dimensions,
            treat_missing_data="notBreaching",
            alarm_actions=[self.topic.arn],
            ok_actions=[self.topic.arn],
            tags=ctx.tags,
            opts=ctx.child(self),
        )
