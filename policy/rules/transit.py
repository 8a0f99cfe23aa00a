"""Encryption in transit: TLS-only bucket policies and TLS 1.2 minimums on every edge and endpoint."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from policy.rules.base import (
    Finding,
    Res,
    ResourceRule,
    Stack,
    StackRule,
    as_json,
    get,
    is_false,
    is_true,
    items,
    known,
)
from policy.rules.encryption import AZURE_STORAGE, S3_BUCKETS

S3_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
WEB_APPS = ("azure-native:web:WebApp", "azure-native:web:WebAppSlot")
AFD_DOMAIN = "azure-native:cdn:AFDCustomDomain"
AFD_ROUTE = "azure-native:cdn:Route"
CF_ZONE_SETTING = "cloudflare:index/zoneSetting:ZoneSetting"
CLOUDFRONT = "aws:cloudfront/distribution:Distribution"
GCP_SSL_POLICY = "gcp:compute/sSLPolicy:SSLPolicy"
GCP_HTTPS_PROXIES = (
    "gcp:compute/targetHttpsProxy:TargetHttpsProxy",
    "gcp:compute/regionTargetHttpsProxy:RegionTargetHttpsProxy",
)
TLS12_PLUS = {"1.2", "1.3"}


def _denies_plain_http(document: Any) -> bool | None:
    """True when a statement denies requests with aws:SecureTransport false; None when unknown."""
    document = as_json(document)
    if not known(document) or document is None:
        return None if not known(document) else False
    for statement in items(document, "Statement"):
        condition = get(statement, "Condition", "Bool", "aws:SecureTransport")
        if get(statement, "Effect") == "Deny" and str(condition).lower() == "false":
            return True
    return False


def _s3_tls_only(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for bucket in stack.of(*S3_BUCKETS):
        policies = stack.attached(bucket, S3_POLICY, "bucket", [bucket.get("bucket")])
        verdicts = [_denies_plain_http(p.get("policy")) for p in policies]
        if not any(v is None or v for v in verdicts):
            yield (
                f"{bucket.name}: no bucket policy denies non-TLS requests "
                "(a Deny statement with Condition Bool aws:SecureTransport = false)",
                bucket.urn,
            )


def _azure_storage_tls(res: Res) -> Iterator[str]:
    version = res.get("minimumTlsVersion")
    if known(version) and version not in ("TLS1_2", "TLS1_3"):
        yield f"minimumTlsVersion is {version or 'unset (TLS1_0 on older API versions)'}; must be TLS1_2"
    for prop in ("enableHttpsTrafficOnly", "supportsHttpsTrafficOnly"):
        if is_false(res.get(prop)):
            yield f"{prop} is false: plain HTTP is accepted"


def _web_app_https(res: Res) -> Iterator[str]:
    if known(res.get("httpsOnly")) and not is_true(res.get("httpsOnly")):
        yield "httpsOnly must be true"
    version = res.get("siteConfig", "minTlsVersion")
    if known(version) and str(version) not in TLS12_PLUS:
        yield f"siteConfig.minTlsVersion is {version or 'unset'}; must be 1.2"


def _front_door_tls(res: Res) -> Iterator[str]:
    if res.type == AFD_DOMAIN:
        version = res.get("tlsSettings", "minimumTlsVersion")
        if known(version) and version not in ("TLS12", "TLS13"):
            yield f"tlsSettings.minimumTlsVersion is {version or 'unset'}; must be TLS12"
        return
    protocols = res.get("supportedProtocols", default=[])
    redirect = res.get("httpsRedirect")
    if known(protocols) and "Http" in list(protocols) and known(redirect) and redirect != "Enabled":
        yield "the route accepts HTTP without httpsRedirect Enabled"


def _tls_at_least_12(value: Any) -> bool:
    try:
        return float(str(value)) >= 1.2
    except ValueError:
        return False


def _cloudflare_zone_tls(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    if "zoneSettingsOwner" in config and not any(r.stack == config["zoneSettingsOwner"] for r in stack.resources[:1]):
        return  # another stack owns the zones' settings (a zone has one of each); it is judged there
    settings: dict[str, dict[str, tuple[Any, Res]]] = {}
    for res in stack.of(CF_ZONE_SETTING):
        settings.setdefault(str(res.get("zoneId")), {})[str(res.get("settingId"))] = (res.get("value"), res)
    zones = {str(z) for r in stack.resources if r.type.startswith("cloudflare:") and known(z := r.get("zoneId")) and z}
    for zone in sorted(zones):
        declared = settings.get(zone, {})
        tls, tls_res = declared.get("min_tls_version", (None, None))
        if tls_res is None:
            yield f"zone {zone}: no min_tls_version zone setting (the zone default allows TLS 1.0)", None
        elif known(tls) and not _tls_at_least_12(tls):
            yield f"{tls_res.name}: min_tls_version is {tls}; must be 1.2 or higher", tls_res.urn
        https, https_res = declared.get("always_use_https", (None, None))
        if https_res is None:
            yield f"zone {zone}: no always_use_https zone setting", None
        elif known(https) and https != "on":
            yield f"{https_res.name}: always_use_https is {https}; must be on", https_res.urn
        ssl, ssl_res = declared.get("ssl", (None, None))
        if ssl_res is not None and ssl in ("off", "flexible"):
            yield f"{ssl_res.name}: ssl mode {ssl} sends plain HTTP to the origin; use strict", ssl_res.urn


def _cloudfront_https(res: Res) -> Iterator[str]:
    behaviors = [("defaultCacheBehavior", res.get("defaultCacheBehavior", default={}))]
    behaviors += [(f"orderedCacheBehaviors[{i}]", b) for i, b in enumerate(items(res.props, "orderedCacheBehaviors"))]
    for where, behavior in behaviors:
        policy = get(behavior, "viewerProtocolPolicy")
        if known(policy) and policy not in ("https-only", "redirect-to-https"):
            yield f"{where}.viewerProtocolPolicy is {policy or 'unset'}; must be https-only or redirect-to-https"
    certificate = res.get("viewerCertificate", default={})
    custom = get(certificate, "acmCertificateArn") or get(certificate, "iamCertificateId")
    version = get(certificate, "minimumProtocolVersion")
    if custom and known(version) and not str(version).startswith("TLSv1.2"):
        yield f"viewerCertificate.minimumProtocolVersion is {version or 'unset'}; must be TLSv1.2_2021 or later"
    for origin in items(res.props, "origins"):
        protocol = get(origin, "customOriginConfig", "originProtocolPolicy")
        if protocol == "http-only":
            yield f"origin {get(origin, 'originId')}: originProtocolPolicy http-only sends plain HTTP to the origin"


def _gcp_ssl_policy(res: Res) -> Iterator[str]:
    if res.type == GCP_SSL_POLICY:
        version = res.get("minTlsVersion")
        if known(version) and version not in ("TLS_1_2", "TLS_1_3"):
            yield f"minTlsVersion is {version or 'unset (TLS_1_0)'}; must be TLS_1_2"
        return
    if known(res.get("sslPolicy")) and not res.get("sslPolicy"):
        yield "no sslPolicy: Google's default SSL policy accepts TLS 1.0"


RULES = [
    StackRule(
        name="s3-tls-only-policy",
        area="transit",
        description="Every S3 bucket's policy denies requests that do not use TLS.",
        severity=Severity.HIGH,
        types=(*S3_BUCKETS, S3_POLICY),
        check=_s3_tls_only,
        cannot_see="a policy document built from unknown values (not judged at preview)",
        remediation="Include tls_only_statement() in the bucket's policy document.",
    ),
    ResourceRule(
        name="azure-storage-tls",
        area="transit",
        description="Azure storage accounts accept HTTPS only, with TLS 1.2 at least.",
        severity=Severity.HIGH,
        types=(AZURE_STORAGE,),
        check=_azure_storage_tls,
        cannot_see="nothing (static settings)",
        remediation="minimum_tls_version='TLS1_2', enable_https_traffic_only=True.",
    ),
    ResourceRule(
        name="function-app-https",
        area="transit",
        description="Azure Function/Web Apps are HTTPS-only with a TLS 1.2 minimum.",
        severity=Severity.HIGH,
        types=WEB_APPS,
        check=_web_app_https,
        cannot_see="nothing (static settings)",
        remediation="https_only=True, site_config=SiteConfigArgs(min_tls_version='1.2', ...).",
    ),
    ResourceRule(
        name="front-door-tls",
        area="transit",
        description="Front Door custom domains require TLS 1.2; routes redirect HTTP to HTTPS.",
        severity=Severity.HIGH,
        types=(AFD_DOMAIN, AFD_ROUTE),
        check=_front_door_tls,
        cannot_see="nothing (static settings)",
        remediation="tls_settings.minimum_tls_version='TLS12'; route https_redirect='Enabled'.",
    ),
    StackRule(
        name="cloudflare-zone-tls",
        area="transit",
        description="Every Cloudflare zone the stack uses sets min_tls_version >= 1.2 and always_use_https on.",
        severity=Severity.HIGH,
        types=(CF_ZONE_SETTING,),
        check=_cloudflare_zone_tls,
        config={"zoneSettingsOwner": {"type": ["string", "null"], "description": "the stack owning zone settings"}},
        cannot_see="settings made outside the stack (dashboard); zone ids that are unknown at preview; in a stack "
        "that does not own the zones' settings, nothing (the owner stack is judged)",
        remediation="Declare ZoneSetting min_tls_version=1.2 and always_use_https=on for each zone, in the stack "
        "named by cloudflare.zone_settings_owner.",
    ),
    ResourceRule(
        name="cloudfront-https",
        area="transit",
        description="CloudFront serves viewers over HTTPS only, TLSv1.2_* for custom certificates.",
        severity=Severity.HIGH,
        types=(CLOUDFRONT,),
        check=_cloudfront_https,
        cannot_see="nothing (static settings)",
        remediation="viewer_protocol_policy='redirect-to-https' or 'https-only'; "
        "minimum_protocol_version='TLSv1.2_2021'.",
    ),
    ResourceRule(
        name="gcp-ssl-policy-tls12",
        area="transit",
        description="GCP SSL policies require TLS 1.2; HTTPS proxies name an SSL policy.",
        severity=Severity.HIGH,
        types=(GCP_SSL_POLICY, *GCP_HTTPS_PROXIES),
        check=_gcp_ssl_policy,
        cannot_see="an sslPolicy reference that is unknown at preview (treated as set)",
        remediation="compute.SSLPolicy(min_tls_version='TLS_1_2', profile='MODERN') on every target HTTPS proxy.",
    ),
]
