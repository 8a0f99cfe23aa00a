"""AwsPlatform: the AWS half of a stack, composed from the capability components.

An explicit provider pins the configured region (no ambient AWS_REGION surprises); every
child inherits it through `parent`. The account and partition that key policies and
service-grant conditions name are looked up once and passed to every component. What other
providers need (the CDN domain for the edge's origin pool, the health path its monitor
probes) is exposed as typed attributes.

Security operations (components/aws/{waf,audit,threat_detection,backup}.py) are composed in
their own block: the web ACL before the CDN that names it; the account-wide trail and detectors
only in the stack that owns them (`audit.account_owner`, `threat_detection.account_owner`),
after monitoring, whose topic receives the findings; the backup vault and plan per stack.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.aws.audit import AwsAudit, AwsAuditArgs
from components.aws.backup import AwsBackup, AwsBackupArgs
from components.aws.budget import AwsBudget, AwsBudgetArgs
from components.aws.cdn import AwsCdn, AwsCdnArgs
from components.aws.compute import AwsCompute, AwsComputeArgs
from components.aws.dashboard import ADDITIONAL_CDN_METRICS, AwsDashboard, AwsDashboardArgs
from components.aws.functions import AwsFunctions, AwsFunctionsArgs
from components.aws.monitoring import (
    CLOUDWATCH_ALARMS,
    COST_ANOMALY_DETECTION,
    EVENTBRIDGE_RULES,
    AwsMonitoring,
    AwsMonitoringArgs,
)
from components.aws.network import FLOW_LOG_PREFIX, AwsNetwork, AwsNetworkArgs
from components.aws.policy_documents import AwsAccount
from components.aws.storage import AwsStorage, AwsStorageArgs
from components.aws.threat_detection import AwsThreatDetection, AwsThreatDetectionArgs, ConfigBucket
from components.aws.waf import AwsWaf, AwsWafArgs
from components.platform import ProviderPlatform
from components.specs import HEALTH_OBJECT_KEY, STATEFUL_CLASSES
from infra.config import BucketClass, Provider


class AwsPlatform(ProviderPlatform):
    PROVIDER = Provider.aws
    PACKAGE = "aws"

    storage: AwsStorage
    network: AwsNetwork
    compute: AwsCompute
    functions: AwsFunctions
    cdn: AwsCdn | None
    budget: AwsBudget
    monitoring: AwsMonitoring
    dashboard: AwsDashboard
    # security operations
    waf: AwsWaf | None
    audit: AwsAudit | None
    threat_detection: AwsThreatDetection | None
    backup: AwsBackup | None

    def _declare_provider(self, name: str, opts: pulumi.ResourceOptions) -> pulumi.ProviderResource:
        return aws.Provider(f"{name}-provider", region=self.config.aws.region, opts=opts)

    def _compose(self, name: str) -> None:
        aws_config, ctx, child = self.config.aws, self.ctx, self.child
        cdn_enabled = aws_config.cloudfront.enabled
        account = AwsAccount.lookup(self, aws_config.region, self.provider)
        self.storage = AwsStorage(
            f"{name}-storage",
            AwsStorageArgs(
                buckets=self.bucket_specs(aws_config.s3_bucket),
                log_bucket_name=self.bucket_name(aws_config.s3_bucket, "logs"),
                external_policy=frozenset({BucketClass.media}) if cdn_enabled else frozenset(),
                log_delivery_prefix=FLOW_LOG_PREFIX,
                account=account,
            ),
            ctx,
            child,
        )
        nat = self.config.network.nat_gateway
        ssm_endpoints = aws_config.network.ssm_endpoints
        self.network = AwsNetwork(
            f"{name}-network",
            AwsNetworkArgs(
                cidr=aws_config.network.cidr,
                zones=self.config.network.zones,
                nat_gateway=nat,
                ssm_endpoints=ssm_endpoints if ssm_endpoints is not None else not nat,
                region=aws_config.region,
                nat_per_zone=aws_config.network.nat_per_zone,
                flow_logs=self.config.network.flow_logs,
                flow_log_bucket_arn=self.storage.log_bucket.arn,
                flow_log_ready=[self.storage.log_bucket_policy],
                account=account,
            ),
            ctx,
            child,
        )
        self.compute = AwsCompute(
            f"{name}-compute",
            AwsComputeArgs(
                tiers=self.tier_specs(),
                subnet_ids=[s.id for s in self.network.private_subnets],
                security_group_id=self.network.tier_security_group.id,
            ),
            ctx,
            child,
        )
        self.functions = AwsFunctions(
            f"{name}-functions",
            AwsFunctionsArgs(self.function_plans(aws_config.lambda_functions), account=account),
            ctx,
            child,
        )
        self.waf = self._waf(name) if cdn_enabled else None
        self.cdn = None
        if cdn_enabled:
            self.cdn = AwsCdn(
                f"{name}-cdn",
                AwsCdnArgs(
                    bucket=self.storage.buckets[BucketClass.media],
                    key=self.storage.keys[BucketClass.media],
                    domains=aws_config.cloudfront.domains,
                    price_class=self.config.cdn_price_class,
                    account=account,
                    bucket_ready=self.storage.hardening[BucketClass.media],
                    additional_metrics=aws_config.cloudfront.additional_metrics,
                    web_acl_arn=self.waf.web_acl.arn if self.waf else None,
                ),
                ctx,
                child,
            )
        self._compose_operations(name, account)
        self._compose_security_operations(name, account)

    def _compose_operations(self, name: str, account: AwsAccount) -> None:
        """Monitoring (alert channel and alarms), budget with cost anomaly detection, the dashboard."""
        aws_config, ctx, child = self.config.aws, self.ctx, self.child
        groups = {t.value: g.name for t, g in self.compute.groups.items()}
        functions = {n: f.name for n, f in self.functions.functions.items()}
        self.monitoring = AwsMonitoring(
            f"{name}-monitoring",
            AwsMonitoringArgs(
                group_names=groups,
                function_names=functions,
                account=account,
                alerts=self.config.alerts,
                region=aws_config.region,
                distribution_ids={"media": self.cdn.distribution.id} if self.cdn else {},
                publishers=(CLOUDWATCH_ALARMS, COST_ANOMALY_DETECTION)
                + ((EVENTBRIDGE_RULES,) if self.config.owns_threat_detection(self.PROVIDER) else ()),
                group_minimums={t.value: getattr(self.config.autoscaling, t.value).min for t in self.compute.groups},
            ),
            ctx,
            child,
        )
        self.budget = AwsBudget(
            f"{name}-budget",
            self.budget_args(
                AwsBudgetArgs,
                alert_topic_arn=self.monitoring.topic.arn,
                anomaly_threshold_usd=self.config.alerts.cost_anomaly_usd,
                topic_ready=[self.monitoring.topic_policy, self.monitoring.key],
            ),
            ctx,
            child,
        )
        additional = self.cdn is not None and self.cdn.monitoring_subscription is not None
        self.dashboard = AwsDashboard(
            f"{name}-dashboard",
            AwsDashboardArgs(
                tiers=groups,
                functions=functions,
                cdn=self.cdn.distribution.id if self.cdn else None,
                unavailable=frozenset() if additional else ADDITIONAL_CDN_METRICS,
                region=aws_config.region,
            ),
            ctx,
            child,
        )

    # --- security operations ---------------------------------------------------------

    def _waf(self, name: str) -> AwsWaf | None:
        """The web ACL in front of the CloudFront distribution (before the CDN, which names it)."""
        waf = self.config.waf
        if not waf.enabled:
            return None
        return AwsWaf(
            f"{name}-waf",
            AwsWafArgs(
                waf.mode,
                waf.rate_limit_per_minute,
                waf.blocked_cidrs,
                waf.blocked_countries,
                proxy=self.config.origin_proxy(Provider.aws),
            ),
            self.ctx,
            self.child,
        )

    def _compose_security_operations(self, name: str, account: AwsAccount) -> None:
        """The account's trail and detectors (owner stack only) and this stack's backup vault and plan."""
        config, ctx, child = self.config, self.ctx, self.child
        stateful = [
            self.storage.buckets[c] for c in BucketClass if c in STATEFUL_CLASSES and c in self.storage.versioning
        ]
        self.audit = None
        if config.owns_audit(self.PROVIDER):
            self.audit = AwsAudit(
                f"{name}-audit",
                AwsAuditArgs(
                    bucket_name=self.bucket_name(config.aws.s3_bucket, "audit"),
                    account=account,
                    retention_days=config.audit.retention_days,
                    immutable=config.audit.immutable,
                    data_event_buckets=[b.arn for b in stateful] if config.audit.data_events else [],
                ),
                ctx,
                child,
            )
        self.threat_detection = None
        if config.owns_threat_detection(self.PROVIDER):
            recorder = config.threat_detection.aws_config_recorder and self.audit is not None
            self.threat_detection = AwsThreatDetection(
                f"{name}-threat-detection",
                AwsThreatDetectionArgs(
                    account=account,
                    region=config.aws.region,
                    alert_topic_arn=self.monitoring.topic.arn,
                    config_bucket=ConfigBucket(
                        self.bucket_name(config.aws.s3_bucket, "config"),
                        self.audit.key.arn,
                        config.audit.retention_days,
                    )
                    if recorder and self.audit
                    else None,
                ),
                ctx,
                child,
            )
        backup = config.backup
        self.backup = None
        if backup.enabled and stateful:
            self.backup = AwsBackup(
                f"{name}-backup",
                AwsBackupArgs(
                    account=account,
                    bucket_arns=[b.arn for b in stateful],
                    retention_days=backup.retention_days,
                    schedule_hour_utc=backup.schedule_hour_utc,
                    vault_lock=backup.vault_lock,
                    lock_cooling_off_days=backup.lock_cooling_off_days,
                    buckets_ready=[v for c, v in self.storage.versioning.items() if c in STATEFUL_CLASSES],
                ),
                ctx,
                child,
            )

    @property
    def origin(self) -> pulumi.Output[str] | None:
        """The CloudFront hostname: the AWS origin pool of the multi-cloud edge."""
        return self.cdn.distribution.domain_name if self.cdn else None

    @property
    def health_path(self) -> str | None:
        """The health object the CDN component puts in the media bucket (served through CloudFront)."""
        return f"/{HEALTH_OBJECT_KEY}" if self.cdn else None

    @property
    def certificate_validation_records(
        self,
    ) -> dict[str, pulumi.Output[aws.acm.outputs.CertificateDomainValidationOption]]:
        """Per CloudFront domain, the DNS record its ACM certificate waits for (empty without custom domains)."""
        return self.cdn.validation_records if self.cdn else {}

    def exports(self) -> dict[str, pulumi.Input[object]]:
        """Stack outputs: bucket names, CDN domain, function names, group names."""
        outputs: dict[str, pulumi.Input[object]] = {
            "buckets": {c.value: b.bucket for c, b in self.storage.buckets.items()},
            "functions": {n: f.name for n, f in self.functions.functions.items()},
            "autoscaling_groups": {t.value: g.name for t, g in self.compute.groups.items()},
            "predictive_scaling": {t.value: mode for t, mode in self.compute.predictive_modes.items()},
            "alert_topic": self.monitoring.topic.arn,
            "dashboard": self.dashboard.dashboard.dashboard_name,
        }
        if self.origin is not None:
            outputs["cdn_domain"] = self.origin
            outputs["health_path"] = self.health_path
        if self.cdn is not None and self.cdn.certificate is not None:
            # The DNS records ACM waits for before the distribution can use the certificate.
            outputs["certificate_validation_records"] = self.cdn.certificate.domain_validation_options.apply(
                lambda options: [
                    {"name": o.resource_record_name, "type": o.resource_record_type, "value": o.resource_record_value}
                    for o in options
                ]
            )
        return outputs
