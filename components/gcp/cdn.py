"""GCP CDN: Cloud CDN on a backend bucket for the media bucket, behind a global HTTPS load balancer.

- a backend bucket with Cloud CDN on (static content cached, negative caching, stale
  content served while the origin revalidates) and automatic compression;
- the media bucket's objects are readable by anyone (the storage component's `public_read`,
  object GET only, no listing), and the backend is created after that grant. Cloud CDN does
  not validate unsigned requests: it forwards them to Cloud Storage as they are, so a
  private bucket would answer every viewer (and the edge's monitor) with 403. Its cache-fill
  service agent (`service-<number>@cloud-cdn-fill`) reads only for *signed* requests, and
  exists only once a signed URL key has been added to a backend in the project: granting it
  on a fresh project fails `pulumi up`. Nothing here signs URLs, so no key and no grant;
- a health object (`.well-known/qmoi-health`, "ok") in the media bucket, which the edge's
  monitor probes through the load balancer (a backend bucket without a main page answers
  "/" with 404);
- a Google-managed certificate for `cdn.domains` (it becomes ACTIVE once the domains'
  DNS points at the global address), an SSL policy with the MODERN profile and TLS 1.2
  minimum, a target HTTPS proxy, a global IPv4 address and a forwarding rule on 443
  (global external Application Load Balancer, EXTERNAL_MANAGED);
- HTTP on port 80 of the same address only redirects to HTTPS (301);
- the Cloud Armor edge policy of components/gcp/waf.py on the backend bucket, when the stack has
  one (a backend bucket accepts only an edge policy).

`hostname` (the first domain) is the origin the multi-cloud edge uses: it is the name the
managed certificate covers, which the edge verifies. It needs a DNS-only A record to the
global address, which is also what lets Google provision the certificate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.context import StackContext
from components.specs import HEALTH_BODY, HEALTH_CACHE_CONTROL, HEALTH_OBJECT_KEY

SSL_PROFILE = "MODERN"
MIN_TLS = "TLS_1_2"
SCHEME = "EXTERNAL_MANAGED"
DEFAULT_TTL_S = 3600
MAX_TTL_S = 86400


@dataclass(frozen=True)
class GcpCdnArgs:
    bucket: gcp.storage.Bucket
    domains: list[str]
    # The grant that lets anonymous requests read the bucket's objects (the backend waits for it).
    bucket_readable: Sequence[pulumi.Resource] = ()
    # The Cloud Armor edge security policy of the backend bucket (components/gcp/waf.py), if any.
    edge_security_policy: pulumi.Input[str] | None = None


class GcpCdn(pulumi.ComponentResource):
    backend: gcp.compute.BackendBucket
    url_map: gcp.compute.URLMap
    health_object: gcp.storage.BucketObject
    address: gcp.compute.GlobalAddress
    certificate: gcp.compute.ManagedSslCertificate
    ssl_policy: gcp.compute.SSLPolicy
    hostname: pulumi.Output[str]
    domains: list[str]

    def __init__(
        self, name: str, args: GcpCdnArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:gcp:Cdn", name, None, opts)
        prefix = f"{ctx.prefix}-media"
        self.domains = list(args.domains)
        self.health_object = gcp.storage.BucketObject(
            f"{name}-health",
            bucket=args.bucket.name,
            name=HEALTH_OBJECT_KEY,
            content=HEALTH_BODY,
            content_type="text/plain",
            cache_control=HEALTH_CACHE_CONTROL,
            opts=ctx.child(self),
        )
        self.backend = gcp.compute.BackendBucket(
            f"{name}-backend",
            name=prefix,
            description=f"qmoi {ctx.environment} media bucket through Cloud CDN",
            bucket_name=args.bucket.name,
            enable_cdn=True,
            compression_mode="AUTOMATIC",
            edge_security_policy=args.edge_security_policy,
            cdn_policy=gcp.compute.BackendBucketCdnPolicyArgs(
                cache_mode="CACHE_ALL_STATIC",
                default_ttl=DEFAULT_TTL_S,
                client_ttl=DEFAULT_TTL_S,
                max_ttl=MAX_TTL_S,
                negative_caching=True,
                serve_while_stale=MAX_TTL_S,
                request_coalescing=True,
            ),
            opts=ctx.child(self, depends_on=list(args.bucket_readable)),
        )
        self.url_map = url_map = gcp.compute.URLMap(
            f"{name}-urlmap", name=prefix, default_service=self.backend.id, opts=ctx.child(self)
        )
        self.certificate = gcp.compute.ManagedSslCertificate(
            f"{name}-certificate",
            name=f"{prefix}-cert",
            managed=gcp.compute.ManagedSslCertificateManagedArgs(domains=args.domains),
            opts=ctx.child(self),
        )
        self.ssl_policy = gcp.compute.SSLPolicy(
            f"{name}-ssl-policy",
            name=f"{prefix}-tls",
            profile=SSL_PROFILE,
            min_tls_version=MIN_TLS,
            opts=ctx.child(self),
        )
        https_proxy = gcp.compute.TargetHttpsProxy(
            f"{name}-https-proxy",
            name=f"{prefix}-https",
            url_map=url_map.id,
            ssl_certificates=[self.certificate.id],
            ssl_policy=self.ssl_policy.id,
            opts=ctx.child(self),
        )
        self.address = gcp.compute.GlobalAddress(
            f"{name}-address",
            name=prefix,
            ip_version="IPV4",
            address_type="EXTERNAL",
            labels=ctx.tags,
            opts=ctx.child(self),
        )
        self._forwarding_rule(f"{name}-https", f"{prefix}-https", "443", https_proxy.id, ctx)
        redirect = gcp.compute.URLMap(
            f"{name}-http-redirect",
            name=f"{prefix}-redirect",
            default_url_redirect=gcp.compute.URLMapDefaultUrlRedirectArgs(
                https_redirect=True, strip_query=False, redirect_response_code="MOVED_PERMANENTLY_DEFAULT"
            ),
            opts=ctx.child(self),
        )
        http_proxy = gcp.compute.TargetHttpProxy(
            f"{name}-http-proxy", name=f"{prefix}-http", url_map=redirect.id, opts=ctx.child(self)
        )
        self._forwarding_rule(f"{name}-http", f"{prefix}-http", "80", http_proxy.id, ctx)
        # The first domain, available once the address exists: what the edge connects to.
        self.hostname = self.address.address.apply(lambda _: args.domains[0])
        self.register_outputs({"address": self.address.address, "domains": args.domains})

    def _forwarding_rule(
        self, resource: str, name: str, port: str, target: pulumi.Input[str], ctx: StackContext
    ) -> gcp.compute.GlobalForwardingRule:
        return gcp.compute.GlobalForwardingRule(
            resource,
            name=name,
            ip_address=self.address.id,
            ip_protocol="TCP",
            port_range=port,
            load_balancing_scheme=SCHEME,
            target=target,
            labels=ctx.tags,
            opts=ctx.child(self),
        )
