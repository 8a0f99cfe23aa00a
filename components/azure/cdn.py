"""Azure CDN: Front Door Standard in front of the media container.

- profile `Standard_AzureFrontDoor` with a system-assigned identity, granted Storage Blob
  Data Reader on the media container only: the origin group authenticates to storage with
  that identity, so the container stays private (no anonymous access, no SAS);
- one endpoint; one origin group with an HTTPS health probe (HEAD, every 100 s) and the
  default load-balancing sample (4 samples, 3 successful, 50 ms latency band); one origin:
  the storage account's blob host, with certificate name check on;
- a route for `/*` to the media container: HTTP is redirected to HTTPS, Front Door talks to
  the origin over HTTPS only, query strings ignored for caching, compression on;
- a custom domain per `cdn.domains` entry with an AFD-managed certificate and TLS 1.2
  minimum; each needs a validation TXT record and a CNAME to the endpoint (exported).

Storage with firewall default Deny: Front Door is not an "Azure service" bypass, so a
production deployment adds a private origin (Premium) or a resource instance rule; see
docs/azure.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.cdn as cdn

from components.context import StackContext

STORAGE_BLOB_DATA_READER = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"
STORAGE_SCOPE = "https://storage.azure.com/.default"


@dataclass(frozen=True)
class AzureCdnArgs:
    resource_group_name: pulumi.Input[str]
    subscription_id: str
    origin_host: pulumi.Input[str]
    media_container: str
    media_container_id: pulumi.Input[str]
    domains: list[str]


class AzureCdn(pulumi.ComponentResource):
    profile: cdn.Profile
    endpoint: cdn.AFDEndpoint
    route: cdn.Route
    custom_domains: dict[str, cdn.AFDCustomDomain]
    # Per custom domain, the token Front Door expects in the `_dnsauth.<domain>` TXT record.
    validation_tokens: dict[str, pulumi.Output[str]]

    def __init__(
        self, name: str, args: AzureCdnArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:azure:Cdn", name, None, opts)
        rg = args.resource_group_name
        self.profile = cdn.Profile(
            f"{name}-profile",
            profile_name=f"qmoi-{ctx.environment}-afd",
            resource_group_name=rg,
            location="Global",
            sku=cdn.SkuArgs(name="Standard_AzureFrontDoor"),
            identity=cdn.ManagedServiceIdentityArgs(type="SystemAssigned"),
            origin_response_timeout_seconds=60,
            tags=ctx.tags,
            opts=ctx.child(self),
        )
        profile_name = self.profile.name
        reader = authorization.RoleAssignment(
            f"{name}-media-reader",
            principal_id=self.profile.identity.apply(lambda i: i.principal_id if i else ""),
            principal_type="ServicePrincipal",
            role_definition_id=(
                f"/subscriptions/{args.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/"
                f"{STORAGE_BLOB_DATA_READER}"
            ),
            scope=args.media_container_id,
            description="Front Door reads the media container with its managed identity",
            opts=ctx.child(self),
        )
        self.endpoint = cdn.AFDEndpoint(
            f"{name}-endpoint",
            endpoint_name=f"qmoi-{ctx.environment}-media",
            profile_name=profile_name,
            resource_group_name=rg,
            location="Global",
            enabled_state="Enabled",
            tags=ctx.tags,
            opts=ctx.child(self),
        )
        origin_group = cdn.AFDOriginGroup(
            f"{name}-origin-group",
            origin_group_name="media",
            profile_name=profile_name,
            resource_group_name=rg,
            health_probe_settings=cdn.HealthProbeParametersArgs(
                probe_path="/",
                probe_protocol=cdn.ProbeProtocol.HTTPS,
                probe_request_type=cdn.HealthProbeRequestType.HEAD,
                probe_interval_in_seconds=100,
            ),
            load_balancing_settings=cdn.LoadBalancingSettingsParametersArgs(
                sample_size=4, successful_samples_required=3, additional_latency_in_milliseconds=50
            ),
            authentication=cdn.OriginAuthenticationPropertiesArgs(type="SystemAssignedIdentity", scope=STORAGE_SCOPE),
            session_affinity_state="Disabled",
            opts=ctx.child(self, depends_on=[reader]),
        )
        origin = cdn.AFDOrigin(
            f"{name}-origin",
            origin_name="media-storage",
            origin_group_name=origin_group.name,
            profile_name=profile_name,
            resource_group_name=rg,
            host_name=args.origin_host,
            origin_host_header=args.origin_host,
            http_port=80,
            https_port=443,
            priority=1,
            weight=1000,
            enforce_certificate_name_check=True,
            enabled_state="Enabled",
            opts=ctx.child(self),
        )
        self.custom_domains = {
            domain: cdn.AFDCustomDomain(
                f"{name}-domain-{domain.replace('.', '-')}",
                custom_domain_name=domain.replace(".", "-"),
                host_name=domain,
                profile_name=profile_name,
                resource_group_name=rg,
                tls_settings=cdn.AFDDomainHttpsParametersArgs(
                    certificate_type="ManagedCertificate", minimum_tls_version=cdn.AfdMinimumTlsVersion.TLS12
                ),
                opts=ctx.child(self),
            )
            for domain in args.domains
        }
        self.validation_tokens = {
            domain: custom.validation_properties.apply(lambda v: (v.validation_token or "") if v else "")
            for domain, custom in self.custom_domains.items()
        }
        self.route = cdn.Route(
            f"{name}-route",
            route_name="media",
            endpoint_name=self.endpoint.name,
            profile_name=profile_name,
            resource_group_name=rg,
            origin_group=cdn.ResourceReferenceArgs(id=origin_group.id),
            origin_path=f"/{args.media_container}",
            patterns_to_match=["/*"],
            supported_protocols=["Http", "Https"],
            https_redirect="Enabled",
            forwarding_protocol="HttpsOnly",
            link_to_default_domain="Enabled",
            custom_domains=[cdn.ActivatedResourceReferenceArgs(id=d.id) for d in self.custom_domains.values()],
            cache_configuration=cdn.AfdRouteCacheConfigurationArgs(
                query_string_caching_behavior="IgnoreQueryString",
                compression_settings=cdn.CompressionSettingsArgs(
                    is_compression_enabled=True,
                    content_types_to_compress=["text/css", "text/javascript", "application/json", "image/svg+xml"],
                ),
            ),
            enabled_state="Enabled",
            opts=ctx.child(self, depends_on=[origin]),
        )
        self.register_outputs(
            {
                "endpoint_host": self.endpoint.host_name,
                "domain_validation": {d: c.validation_properties for d, c in self.custom_domains.items()},
            }
        )
