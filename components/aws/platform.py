"""AwsPlatform: the AWS half of a stack, composed from the capability components.

An explicit provider pins the configured region (no ambient AWS_REGION surprises); every
child inherits it through `parent`. What other providers need (the CDN domain for the
edge's origin pool) is exposed as typed attributes.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.aws.budget import AwsBudget
from components.aws.cdn import AwsCdn, AwsCdnArgs
from components.aws.compute import AwsCompute, AwsComputeArgs
from components.aws.functions import AwsFunctions
from components.aws.monitoring import AwsMonitoring, AwsMonitoringArgs
from components.aws.network import AwsNetwork, AwsNetworkArgs
from components.aws.storage import AwsStorage, AwsStorageArgs
from components.platform import ProviderPlatform
from components.specs import FunctionsArgs
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

    def _declare_provider(self, name: str, opts: pulumi.ResourceOptions) -> pulumi.ProviderResource:
        return aws.Provider(f"{name}-provider", region=self.config.aws.region, opts=opts)

    def _compose(self, name: str) -> None:
        aws_config, ctx, child = self.config.aws, self.ctx, self.child
        cdn_enabled = aws_config.cloudfront.enabled
        self.storage = AwsStorage(
            f"{name}-storage",
            AwsStorageArgs(
                buckets=self.bucket_specs(aws_config.s3_bucket),
                log_bucket_name=self.bucket_name(aws_config.s3_bucket, "logs"),
                external_policy=frozenset({BucketClass.media}) if cdn_enabled else frozenset(),
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
            f"{name}-functions", FunctionsArgs(self.function_plans(aws_config.lambda_functions)), ctx, child
        )
        self.cdn = None
        if cdn_enabled:
            self.cdn = AwsCdn(
                f"{name}-cdn",
                AwsCdnArgs(
                    bucket=self.storage.buckets[BucketClass.media],
                    domains=aws_config.cloudfront.domains,
                    price_class=self.config.cdn_price_class,
                ),
                ctx,
                child,
            )
        self.budget = AwsBudget(f"{name}-budget", self.budget_args(), ctx, child)
        self.monitoring = AwsMonitoring(
            f"{name}-monitoring",
            AwsMonitoringArgs(
                group_names={t.value: g.name for t, g in self.compute.groups.items()},
                function_names={n: f.name for n, f in self.functions.functions.items()},
            ),
            ctx,
            child,
        )

    @property
    def origin(self) -> pulumi.Output[str] | None:
        """The CloudFront hostname: the AWS origin pool of the multi-cloud edge."""
        return self.cdn.distribution.domain_name if self.cdn else None

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
        }
        if self.origin is not None:
            outputs["cdn_domain"] = self.origin
        if self.cdn is not None and self.cdn.certificate is not None:
            # The DNS records ACM waits for before the distribution can use the certificate.
            outputs["certificate_validation_records"] = self.cdn.certificate.domain_validation_options.apply(
                lambda options: [
                    {"name": o.resource_record_name, "type": o.resource_record_type, "value": o.resource_record_value}
                    for o in options
                ]
            )
        return outputs
