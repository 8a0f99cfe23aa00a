"""AWS monitoring: an encrypted SNS topic with e-mail subscriptions, and CloudWatch alarms on
each group's CPU and each function's errors, and on a group whose in-service instances stay
below its minimum (spot and GPU groups never fail `pulumi up` for missing capacity or quota, so
without it a tier running 0 of 2 instances pages nobody).

The topic is encrypted with a customer-managed key of this component whose policy lets
CloudWatch (`cloudwatch.amazonaws.com`, for this account's alarms only) use it. With the
AWS-managed `alias/aws/sns` key, whose policy cannot be edited, CloudWatch cannot publish:
every alarm action fails and nobody is paged, while `pulumi up` succeeds.

The topic is also the channel of security findings (components/aws/threat_detection.py routes
GuardDuty and Security Hub findings to it with EventBridge rules): the key policy and the topic
policy let `events.amazonaws.com` publish, for this account's rules only. The topic policy keeps
the account's own access (what SNS's default policy gives) and names each service publisher.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.aws.keys import customer_key
from components.aws.policy_documents import AwsAccount, document, key_policy, service_grant
from components.context import StackContext
from components.specs import CPU_ALERT_PERCENT

PERIOD_S = 300


@dataclass(frozen=True)
class AwsMonitoringArgs:
    group_names: dict[str, pulumi.Input[str]]
    function_names: dict[str, pulumi.Input[str]]
    account: AwsAccount | None = None
    group_minimums: dict[str, int] = field(default_factory=dict)
    """Tier -> its minimum: a group below it for 15 minutes raises the capacity alarm (tiers at 0 have none)."""


# AWS services that publish to the alert topic: principal -> (statement id, ARN service, this account's sources).
PUBLISHERS = {
    "cloudwatch.amazonaws.com": ("CloudWatchAlarmsPublish", "cloudwatch", "alarm:*"),
    "events.amazonaws.com": ("EventBridgeRulesPublish", "events", "rule/*"),
}


class AwsMonitoring(pulumi.ComponentResource):
    topic: aws.sns.Topic
    topic_policy: aws.sns.TopicPolicy
    key: aws.kms.Key
    alarms: list[aws.cloudwatch.MetricAlarm]

    def __init__(
        self, name: str, args: AwsMonitoringArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:aws:Monitoring", name, None, opts)
        account = args.account or AwsAccount.lookup(self)
        self.key = self._key(name, account, ctx)
        self.topic = aws.sns.Topic(
            f"{name}-alerts",
            name=f"{ctx.prefix}-alerts",
            kms_master_key_id=self.key.arn,
            tags=ctx.tags,
            opts=ctx.child(self),
        )
        self.topic_policy = aws.sns.TopicPolicy(
            f"{name}-alerts-policy", arn=self.topic.arn, policy=self._topic_policy(account), opts=ctx.child(self)
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
        self.alarms += [
            self._capacity_alarm(f"{name}-{tier}-capacity", tier, args.group_names[tier], minimum, ctx)
            for tier, minimum in args.group_minimums.items()
            if minimum > 0 and tier in args.group_names
        ]
        self.register_outputs({"topic_arn": self.topic.arn})

    def _capacity_alarm(
        self, name: str, tier: str, group: pulumi.Input[str], minimum: int, ctx: StackContext
    ) -> aws.cloudwatch.MetricAlarm:
        """In-service instances below the tier's minimum for three periods (the group publishes the metric)."""
        return aws.cloudwatch.MetricAlarm(
            name,
            alarm_description=f"{tier} tier: fewer than {minimum} instances in service (capacity, quota or launches)",
            namespace="AWS/AutoScaling",
            metric_name="GroupInServiceInstances",
            statistic="Minimum",
            period=PERIOD_S,
            evaluation_periods=3,
            threshold=minimum,
            comparison_operator="LessThanThreshold",
            dimensions={"AutoScalingGroupName": group},
            treat_missing_data="missing",
            alarm_actions=[self.topic.arn],
            ok_actions=[self.topic.arn],
            tags=ctx.tags,
            opts=ctx.child(self),
        )

    @staticmethod
    def _sources(account: AwsAccount, principal: str) -> pulumi.Output[dict[str, object]]:
        """This account's resources of one publishing service (alarms, EventBridge rules)."""
        _, service, pattern = PUBLISHERS[principal]
        return pulumi.Output.all(account.id, account.arn(service, pattern)).apply(
            lambda a: {"StringEquals": {"aws:SourceAccount": a[0]}, "ArnLike": {"aws:SourceArn": a[1]}}
        )

    def _key(self, name: str, account: AwsAccount, ctx: StackContext) -> aws.kms.Key:
        """The topic's key: CloudWatch alarms and EventBridge rules of this account may encrypt what they publish."""
        grants = [
            service_grant(
                sid, principal, ["kms:Decrypt", "kms:GenerateDataKey*"], "*", self._sources(account, principal)
            )
            for principal, (sid, _, _) in PUBLISHERS.items()
        ]
        return customer_key(self, f"{name}-alerts-key", "alerts", "alert topic", key_policy(account, *grants), ctx)

    def _topic_policy(self, account: AwsAccount) -> pulumi.Output[str]:
        """The account keeps its access to the topic; each service publisher may publish, for this account only."""
        owner = pulumi.Output.all(account.root, self.topic.arn).apply(
            lambda a: {
                "Sid": "AccountUsesTheTopic",
                "Effect": "Allow",
                "Principal": {"AWS": a[0]},
                "Action": ["SNS:Publish", "SNS:Subscribe", "SNS:GetTopicAttributes", "SNS:ListSubscriptionsByTopic"],
                "Resource": a[1],
            }
        )
        publishers = [
            service_grant(sid, principal, "sns:Publish", self.topic.arn, self._sources(account, principal))
            for principal, (sid, _, _) in PUBLISHERS.items()
        ]
        return document(owner, *publishers)

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
