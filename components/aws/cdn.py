"""AWS CDN: CloudFront in front of the media bucket.

- origin access control (SigV4) so only this distribution can read the bucket, granted
  in the media bucket's policy, which this component owns (with the TLS-only statement);
- the media bucket is SSE-KMS with its own key, and CloudFront can read nothing unless the
  key policy lets `cloudfront.amazonaws.com` decrypt for this distribution (every object
  would answer 403). The grant names the distribution's ARN, the distribution names the
  bucket, the bucket's encryption names the key: so this component writes the whole key
  policy (`aws.kms.KeyPolicy`, the key's only policy writer) after the distribution exists,
  which breaks the cycle an inline key policy would make. Decrypt only: viewers only read;
- a health object (`.well-known/qmoi-health`, "ok") in the media bucket, read through the
  same path as real content (OAC, bucket policy, key policy), which the edge's monitor
  probes: CloudFront answers "/" on a private bucket with 403;
- viewers on HTTPS only, TLS 1.2 minimum (TLSv1.2_2021), compression, IPv6;
- aliases from `cloudfront.domains` with an ACM certificate that must live in us-east-1,
  hence a provider for that region; the certificate is DNS-validated, and the records
  to create are exported (Cloudflare-managed zones get them from the edge wiring);
- price class per environment (dev/staging: PriceClass_100);
- with `cloudfront.additional_metrics`, the distribution's monitoring subscription: CloudWatch
  then also gets its cache hit rate, origin latency and error rates by status code (billed as
  custom metrics per distribution; the dashboard's cache-hit panel needs them).
- the WAFv2 web ACL of components/aws/waf.py, when the stack declares one (`web_acl_arn`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import pulumi
import pulumi_aws as aws

from components.aws.policy_documents import AwsAccount, document, key_policy, service_grant, tls_only_statement
from components.context import StackContext
from components.specs import HEALTH_BODY, HEALTH_CACHE_CONTROL, HEALTH_OBJECT_KEY
from infra.config import CdnPriceClass

PRICE_CLASSES = {
    CdnPriceClass.minimal: "PriceClass_100",
    CdnPriceClass.regional: "PriceClass_200",
    CdnPriceClass.all: "PriceClass_All",
}
# AWS-managed "CachingOptimized" cache policy.
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
MIN_TLS = "TLSv1.2_2021"


@dataclass(frozen=True)
class AwsCdnArgs:
    bucket: aws.s3.Bucket
    # The bucket's own key: this component writes its policy (the storage component does not).
    key: aws.kms.Key
    domains: list[str]
    price_class: CdnPriceClass
    account: AwsAccount
    # What the bucket policy must wait for (the bucket's public access block and ownership controls).
    bucket_ready: Sequence[pulumi.Resource] = ()
    additional_metrics: bool = False
    # The WAFv2 web ACL (scope CLOUDFRONT, us-east-1) in front of the distribution, by ARN.
    web_acl_arn: pulumi.Input[str] | None = None


def validation_option(
    options: list[aws.acm.outputs.CertificateDomainValidationOption], domain: str
) -> aws.acm.outputs.CertificateDomainValidationOption:
    """The validation record ACM asks for `domain`."""
    for option in options:
        if option.domain_name == domain:
            return option
    raise ValueError(f"the ACM certificate has no validation option for {domain!r}")


class AwsCdn(pulumi.ComponentResource):
    distribution: aws.cloudfront.Distribution
    key_policy: aws.kms.KeyPolicy
    health_object: aws.s3.BucketObjectv2
    monitoring_subscription: aws.cloudfront.MonitoringSubscription | None
    certificate: aws.acm.Certificate | None
    # Per domain, the DNS record ACM checks (CNAME), picked by domain name: ACM's order is not guaranteed.
    validation_records: dict[str, pulumi.Output[aws.acm.outputs.CertificateDomainValidationOption]]

    def __init__(
        self, name: str, args: AwsCdnArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:aws:Cdn", name, None, opts)
        oac = aws.cloudfront.OriginAccessControl(
            f"{name}-oac",
            name=f"{ctx.prefix}-media",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=ctx.child(self),
        )
        self.certificate = None
        self.validation_records = {}
        # The default *.cloudfront.net certificate only accepts "TLSv1"; custom domains get TLS 1.2.
        viewer_certificate = aws.cloudfront.DistributionViewerCertificateArgs(
            cloudfront_default_certificate=True, minimum_protocol_version="TLSv1"
        )
        if args.domains:
            us_east_1 = aws.Provider(f"{name}-us-east-1", region="us-east-1", opts=ctx.child(self))
            self.certificate = aws.acm.Certificate(
                f"{name}-certificate",
                domain_name=args.domains[0],
                subject_alternative_names=args.domains[1:],
                validation_method="DNS",
                tags=ctx.tags,
                opts=ctx.child(self, provider=us_east_1),
            )
            self.validation_records = {
                domain: self.certificate.domain_validation_options.apply(partial(validation_option, domain=domain))
                for domain in args.domains
            }
            # No `validation_record_fqdns`: the records live in Cloudflare, declared after this platform
            # (stacks/edge.py), so they cannot be passed in here without a construction cycle. The
            # validation still waits until ACM sees them; Pulumi creates them in parallel with it.
            validation = aws.acm.CertificateValidation(
                f"{name}-certificate-validation",
                certificate_arn=self.certificate.arn,
                opts=ctx.child(self, provider=us_east_1),
            )
            viewer_certificate = aws.cloudfront.DistributionViewerCertificateArgs(
                acm_certificate_arn=validation.certificate_arn,
                ssl_support_method="sni-only",
                minimum_protocol_version=MIN_TLS,
            )
        origin_id = "media-bucket"
        self.distribution = aws.cloudfront.Distribution(
            f"{name}-distribution",
            enabled=True,
            comment=f"qmoi {ctx.environment} media",
            is_ipv6_enabled=True,
            http_version="http2and3",
            aliases=args.domains,
            price_class=PRICE_CLASSES[args.price_class],
            origins=[
                aws.cloudfront.DistributionOriginArgs(
                    origin_id=origin_id,
                    domain_name=args.bucket.bucket_regional_domain_name,
                    origin_access_control_id=oac.id,
                )
            ],
            default_cache_behavior=aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
                target_origin_id=origin_id,
                viewer_protocol_policy="https-only",
                allowed_methods=["GET", "HEAD", "OPTIONS"],
                cached_methods=["GET", "HEAD"],
                compress=True,
                cache_policy_id=CACHING_OPTIMIZED,
            ),
            restrictions=aws.cloudfront.DistributionRestrictionsArgs(
                geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(restriction_type="none")
            ),
            viewer_certificate=viewer_certificate,
            web_acl_id=args.web_acl_arn,
            tags=ctx.tags,
            opts=ctx.child(self),
        )
        this_distribution = self.distribution.arn.apply(lambda arn: {"StringEquals": {"AWS:SourceArn": arn}})
        read_grant = service_grant(
            "AllowCloudFrontRead",
            "cloudfront.amazonaws.com",
            "s3:GetObject",
            pulumi.Output.concat(args.bucket.arn, "/*"),
            this_distribution,
        )
        aws.s3.BucketPolicy(
            f"{name}-media-policy",
            bucket=args.bucket.id,
            policy=document(tls_only_statement(args.bucket.arn), read_grant),
            opts=ctx.child(self, depends_on=list(args.bucket_ready)),
        )
        decrypt_grant = service_grant(
            "AllowCloudFrontDecrypt", "cloudfront.amazonaws.com", "kms:Decrypt", "*", this_distribution
        )
        self.key_policy = aws.kms.KeyPolicy(
            f"{name}-media-key-policy",
            key_id=args.key.key_id,
            policy=key_policy(args.account, decrypt_grant),
            opts=ctx.child(self, depends_on=[self.distribution]),
        )
        self.health_object = aws.s3.BucketObjectv2(
            f"{name}-health",
            bucket=args.bucket.bucket,
            key=HEALTH_OBJECT_KEY,
            content=HEALTH_BODY,
            content_type="text/plain",
            cache_control=HEALTH_CACHE_CONTROL,
            server_side_encryption="aws:kms",
            kms_key_id=args.key.arn,
            bucket_key_enabled=True,
            tags=ctx.tags_with(role="health-check"),
            opts=ctx.child(self),
        )
        self.monitoring_subscription = None
        if args.additional_metrics:
            self.monitoring_subscription = aws.cloudfront.MonitoringSubscription(
                f"{name}-additional-metrics",
                distribution_id=self.distribution.id,
                monitoring_subscription=aws.cloudfront.MonitoringSubscriptionMonitoringSubscriptionArgs(
                    realtime_metrics_subscription_config=aws.cloudfront.MonitoringSubscriptionMonitoringSubscriptionRealtimeMetricsSubscriptionConfigArgs(
                        realtime_metrics_subscription_status="Enabled"
                    )
                ),
                opts=ctx.child(self),
            )
        self.register_outputs({"domain_name": self.distribution.domain_name})
