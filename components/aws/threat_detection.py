"""AWS threat detection and security posture, with findings routed to the monitoring alert topic.

- GuardDuty (one detector per account and region) with S3 Protection (the S3 data events of every
  bucket are analysed; no trail data events are needed for it), findings published every 15 minutes;
  every optional protection plan declared on or off (`GUARDDUTY_FEATURES`);
- Security Hub CSPM with the AWS Foundational Security Best Practices standard, declared explicitly
  (`enable_default_standards=False`: one standard in code instead of two enabled implicitly, CIS 1.2.0
  being superseded), consolidated control findings;
- the AWS Config recorder its controls evaluate ("To receive control findings in Security Hub, you must
  enable AWS Config"): every supported resource type, delivered under `config/` with the audit key,
  through a role of its own, into a bucket of its own (`<s3_bucket>-<token>-config`: private, TLS only,
  versioned, kept `audit.retention_days`). Never the audit bucket: "AWS Config does not support the
  delivery channel to an Amazon S3 bucket where object lock is enabled", and the audit bucket is locked
  in prod. One recorder per account and region: turn `threat_detection.aws_config_recorder` off where
  the account already records (AWS Organizations);
- two EventBridge rules, GuardDuty findings of high severity (>= 7) and Security Hub findings labelled
  HIGH or CRITICAL that are NEW (GuardDuty's own are left out: they arrive through the first rule),
  each targeting the monitoring SNS topic. That topic's key and policy let `events.amazonaws.com`
  publish for this account's rules (components/aws/monitoring.py); with an AWS-managed key no finding
  would ever arrive.

All of these are account singletons: only the stack named by `threat_detection.account_owner`
declares them (prod for the shipped stacks, which share an account).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws.audit import LogBucketArgs, log_bucket
from components.aws.policy_documents import AwsAccount, assume_role
from components.context import StackContext

FSBP = "standards/aws-foundational-security-best-practices/v/1.0.0"
CONFIG_ROLE_POLICY = "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole"
CONFIG_PREFIX = "config"
GUARDDUTY_HIGH = 7  # GuardDuty severities: low 1-3.9, medium 4-6.9, high 7-8.9, critical 9+
SECURITY_HUB_LABELS = ["HIGH", "CRITICAL"]
# Every optional GuardDuty protection plan, declared (a detector created without features turns on all of
# them but Runtime Monitoring): feature -> (child role, enabled). On: S3 data events (required), malware
# scans of the instances' EBS volumes when a finding points at them, the Lambda functions' network
# activity. Off: RDS login events and EKS audit logs (the stacks run no RDS or EKS, and the account's
# other databases and clusters would be billed) and Runtime Monitoring (an agent on every host, billed per
# vCPU; not deployed). Each enabled plan is a NOT PRICED line of the cost model.
GUARDDUTY_FEATURES = {
    "S3_DATA_EVENTS": ("s3", True),
    "EBS_MALWARE_PROTECTION": ("ebs-malware", True),
    "LAMBDA_NETWORK_LOGS": ("lambda-network", True),
    "RDS_LOGIN_EVENTS": ("rds-login", False),
    "EKS_AUDIT_LOGS": ("eks-audit", False),
    "RUNTIME_MONITORING": ("runtime", False),
}


@dataclass(frozen=True)
class ConfigBucket:
    """Where AWS Config delivers: a bucket of its own, never under Object Lock."""

    name: str
    key_arn: pulumi.Input[str]
    retention_days: int


@dataclass(frozen=True)
class AwsThreatDetectionArgs:
    account: AwsAccount
    region: str
    alert_topic_arn: pulumi.Input[str]
    # The AWS Config recorder's delivery bucket (its name, the audit key, how long history is kept);
    # None: no recorder declared.
    config_bucket: ConfigBucket | None = None


class AwsThreatDetection(pulumi.ComponentResource):
    detector: aws.guardduty.Detector
    security_hub: aws.securityhub.Account
    recorder: aws.cfg.Recorder | None
    finding_rules: list[aws.cloudwatch.EventRule]

    def __init__(
        self, name: str, args: AwsThreatDetectionArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:aws:ThreatDetection", name, None, opts)
        self.detector = aws.guardduty.Detector(
            f"{name}-guardduty",
            enable=True,
            finding_publishing_frequency="FIFTEEN_MINUTES",
            tags=ctx.tags,
            opts=ctx.child(self),
        )
        for feature, (role, enabled) in GUARDDUTY_FEATURES.items():
            aws.guardduty.DetectorFeature(
                f"{name}-guardduty-{role}",
                detector_id=self.detector.id,
                name=feature,
                status="ENABLED" if enabled else "DISABLED",
                opts=ctx.child(self),
            )
        self.recorder = self._recorder(name, args.config_bucket, args, ctx) if args.config_bucket else None
        self.security_hub = aws.securityhub.Account(
            f"{name}-security-hub",
            enable_default_standards=False,
            control_finding_generator="SECURITY_CONTROL",
            auto_enable_controls=True,
            opts=ctx.child(self),
        )
        aws.securityhub.StandardsSubscription(
            f"{name}-fsbp",
            standards_arn=pulumi.Output.concat("arn:", args.account.partition, f":securityhub:{args.region}::{FSBP}"),
            opts=ctx.child(self, depends_on=[self.security_hub]),
        )
        self.finding_rules = [
            self._route(
                f"{name}-guardduty-findings",
                f"{ctx.prefix}-guardduty-findings",
                {
                    "source": ["aws.guardduty"],
                    "detail-type": ["GuardDuty Finding"],
                    "detail": {"severity": [{"numeric": [">=", GUARDDUTY_HIGH]}]},
                },
                args,
                ctx,
            ),
            self._route(
                f"{name}-security-hub-findings",
                f"{ctx.prefix}-security-hub-findings",
                {
                    "source": ["aws.securityhub"],
                    "detail-type": ["Security Hub Findings - Imported"],
                    "detail": {
                        "findings": {
                            "Severity": {"Label": SECURITY_HUB_LABELS},
                            "Workflow": {"Status": ["NEW"]},
                            "ProductName": [{"anything-but": "GuardDuty"}],
                        }
                    },
                },
                args,
                ctx,
            ),
        ]
        self.register_outputs({"detector_id": self.detector.id})

    def _route(
        self, name: str, rule_name: str, pattern: dict[str, object], args: AwsThreatDetectionArgs, ctx: StackContext
    ) -> aws.cloudwatch.EventRule:
        """One EventBridge rule sending matching findings to the alert topic."""
        rule = aws.cloudwatch.EventRule(
            name,
            name=rule_name,
            description="Security findings to the stack's alert topic",
            event_pattern=json.dumps(pattern),
            tags=ctx.tags,
            opts=ctx.child(self),
        )
        aws.cloudwatch.EventTarget(
            f"{name}-alerts", rule=rule.name, arn=args.alert_topic_arn, target_id="alert-topic", opts=ctx.child(self)
        )
        return rule

    def _recorder(
        self, name: str, target: ConfigBucket, args: AwsThreatDetectionArgs, ctx: StackContext
    ) -> aws.cfg.Recorder:
        """AWS Config recording every supported type, delivered to a bucket of its own with the audit key."""
        bucket, bucket_policy = log_bucket(
            self,
            f"{name}-config-bucket",
            LogBucketArgs(target.name, target.key_arn, target.retention_days, "config-history"),
            ctx,
        )
        role = aws.iam.Role(
            f"{name}-config-role",
            name=f"{ctx.prefix}-config-recorder",
            assume_role_policy=assume_role("config.amazonaws.com"),
            tags=ctx.tags,
            opts=ctx.child(self),
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-config-role-managed", role=role.name, policy_arn=CONFIG_ROLE_POLICY, opts=ctx.child(self)
        )
        delivery = pulumi.Output.all(bucket.arn, args.account.id, target.key_arn).apply(
            lambda a: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": "s3:GetBucketAcl", "Resource": a[0]},
                        {
                            "Effect": "Allow",
                            "Action": "s3:PutObject",
                            "Resource": f"{a[0]}/{CONFIG_PREFIX}/AWSLogs/{a[1]}/Config/*",
                            "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
                        },
                        {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": a[2]},
                    ],
                }
            )
        )
        aws.iam.RolePolicy(f"{name}-config-delivery", role=role.id, policy=delivery, opts=ctx.child(self))
        recorder = aws.cfg.Recorder(
            f"{name}-config-recorder",
            name=f"{ctx.prefix}-recorder",
            role_arn=role.arn,
            recording_group=aws.cfg.RecorderRecordingGroupArgs(all_supported=True, include_global_resource_types=True),
            # One recorder and one delivery channel per region: a replacement must delete the old one first.
            opts=ctx.child(self, delete_before_replace=True),
        )
        channel = aws.cfg.DeliveryChannel(
            f"{name}-config-delivery-channel",
            name=f"{ctx.prefix}-delivery",
            s3_bucket_name=bucket.id,
            s3_key_prefix=CONFIG_PREFIX,
            s3_kms_key_arn=target.key_arn,
            opts=ctx.child(self, depends_on=[recorder, bucket_policy], delete_before_replace=True),
        )
        aws.cfg.RecorderStatus(
            f"{name}-config-recording",
            name=recorder.name,
            is_enabled=True,
            # The status starts a recorder only when is_enabled changes: a new recorder needs a new status.
            opts=ctx.child(self, depends_on=[channel], replace_on_changes=["name"]),
        )
        return recorder
