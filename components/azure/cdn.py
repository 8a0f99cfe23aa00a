"""Azure CDN: Front Door Standard in front of the media container.

- profile `Standard_AzureFrontDoor` with a system-assigned identity, granted Storage Blob
  Data Reader on the media container only: the origin group authenticates to storage with
  that identity, so the container stays private (no anonymous access, no SAS, no key);
- the origin is the stack's media account, which the network can reach (Front Door Standard
  cannot pass a storage firewall: it is no trusted service, and Private Link is Premium-only
  and excludes managed-identity origins); Entra ID is its only door;
- a rule set that sets `x-ms-version` on every request to the origin: storage accepts an
  Entra token only with a service version of 2017-11-09 or later, and nothing else sets it;
- one endpoint (its name derives from the stack; `TenantReuse` keeps its host across
  re-creations); one origin group with an HTTPS health probe (HEAD, every 100 s) at a real
  blob, `healthz.txt` in the media container, which the stack uploads with the deployer's
  Entra ID (`az storage blob upload --auth-mode login`; the deployer gets Storage Blob Data
  Contributor on that container) with `Cache-Control: no-cache, max-age=0`, so neither Front
  Door nor the edge monitor is answered from a cache; the default load-balancing sample (4/3, 50 ms);
- a route for `/*` to the media container: HTTP is redirected to HTTPS, Front Door talks to
  the origin over HTTPS only, query strings ignored for caching, compression on;
- a custom domain per `cdn.domains` entry with an AFD-managed certificate and TLS 1.2
  minimum; each needs a validation TXT record and a CNAME to the endpoint (exported).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.cdn as cdn
from pulumi_command import local

from components.azure.cli import az_script, retry_environment
from components.azure.roles import STORAGE_BLOB_DATA_CONTRIBUTOR, STORAGE_BLOB_DATA_READER, role_definition
from components.context import StackContext
from components.specs import HEALTH_BODY, HEALTH_CACHE_CONTROL

STORAGE_SCOPE = "https://storage.azure.com/.default"
# Entra ID (bearer) requests to storage need x-ms-version >= 2017-11-09; one current service version.
STORAGE_SERVICE_VERSION = "2021-08-06"
HEALTH_BLOB = "healthz.txt"
# The health object, written with the deployer's Entra ID, its role assignment created moments earlier: `retry`
# (components/azure/cli.py) waits out the propagation and refreshes a CI login. No cache in front of it:
# Front Door caches a response without Cache-Control for 1-3 days, and the edge monitor would probe that copy.
UPLOAD_HEALTH_BLOB = az_script(
    'body="$(mktemp)"\n'
    'printf \'%s\' "$BODY" > "$body"\n'
    'retry az storage blob upload --auth-mode login --account-name "$ACCOUNT" --container-name "$CONTAINER" '
    '--name "$BLOB" --file "$body" --content-type text/plain --content-cache-control "$CACHE_CONTROL" '
    "--overwrite true\n"
)


@dataclass(frozen=True)
class AzureCdnArgs:
    resource_group_name: pulumi.Input[str]
    subscription_id: str
    origin_host: pulumi.Input[str]
    media_account_name: pulumi.Input[str]
    media_container: str
    media_container_id: pulumi.Input[str]
    domains: list[str]


class AzureCdn(pulumi.ComponentResource):
    profile: cdn.Profile
    endpoint: cdn.AFDEndpoint
    route: cdn.Route
    health_blob: local.Command
    health_path: str
    """The path, on the endpoint, of the health object (what the edge's monitor probes)."""
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
            profile_name=f"{ctx.prefix}-afd",
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
            role_definition_id=role_definition(args.subscription_id, STORAGE_BLOB_DATA_READER),
            scope=args.media_container_id,
            description="Front Door reads the media container with its managed identity",
            opts=ctx.child(self),
        )
        self.endpoint = cdn.AFDEndpoint(
            f"{name}-endpoint",
            endpoint_name=f"{ctx.prefix}-media",
            profile_name=profile_name,
            resource_group_name=rg,
            location="Global",
            enabled_state="Enabled",
            auto_generated_domain_name_label_scope=cdn.AutoGeneratedDomainNameLabelScope.TENANT_REUSE,
            tags=ctx.tags,
            opts=ctx.child(self),
        )
        origin_group = cdn.AFDOriginGroup(
            f"{name}-origin-group",
            origin_group_name="media",
            profile_name=profile_name,
            resource_group_name=rg,
            health_probe_settings=cdn.HealthProbeParametersArgs(
                probe_path=f"/{args.media_container}/{HEALTH_BLOB}",  # origin-relative: the route's path does not apply
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
        rule_set = cdn.RuleSet(
            f"{name}-storage-auth",
            rule_set_name="storageauth",
            profile_name=profile_name,
            resource_group_name=rg,
            opts=ctx.child(self),
        )
        version_rule = cdn.Rule(
            f"{name}-x-ms-version",
            rule_name="xmsversion",
            rule_set_name=rule_set.name,
            profile_name=profile_name,
            resource_group_name=rg,
            order=1,
            conditions=[],
            actions=[
                cdn.DeliveryRuleRequestHeaderActionArgs(
                    name="ModifyRequestHeader",
                    parameters=cdn.HeaderActionParametersArgs(
                        type_name="DeliveryRuleHeaderActionParameters",
                        header_action=cdn.HeaderAction.OVERWRITE,
                        header_name="x-ms-version",
                        value=STORAGE_SERVICE_VERSION,
                    ),
                )
            ],
            opts=ctx.child(self),
        )
        self.health_path = f"/{HEALTH_BLOB}"
        self.health_blob = self._health_blob(name, args, ctx)
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
            rule_sets=[cdn.ResourceReferenceArgs(id=rule_set.id)],
            cache_configuration=cdn.AfdRouteCacheConfigurationArgs(
                query_string_caching_behavior="IgnoreQueryString",
                compression_settings=cdn.CompressionSettingsArgs(
                    is_compression_enabled=True,
                    content_types_to_compress=["text/css", "text/javascript", "application/json", "image/svg+xml"],
                ),
            ),
            enabled_state="Enabled",
            opts=ctx.child(self, depends_on=[origin, version_rule]),
        )
        self.register_outputs(
            {
                "endpoint_host": self.endpoint.host_name,
                "domain_validation": {d: c.validation_properties for d, c in self.custom_domains.items()},
            }
        )

    def _health_blob(self, name: str, args: AzureCdnArgs, ctx: StackContext) -> local.Command:
        """`healthz.txt` in the media container, uploaded with the deployer's Entra ID (no key exists)."""
        deployer = authorization.get_client_config_output(opts=pulumi.InvokeOptions(parent=self))
        writer = authorization.RoleAssignment(
            f"{name}-deployer-media-writer",
            principal_id=deployer.object_id,
            role_definition_id=role_definition(args.subscription_id, STORAGE_BLOB_DATA_CONTRIBUTOR),
            scope=args.media_container_id,
            description="The deployer writes the media health object with Entra ID (shared keys are off)",
            opts=ctx.child(self),
        )
        return local.Command(
            f"{name}-health-blob",
            create=UPLOAD_HEALTH_BLOB,
            environment={
                "ACCOUNT": args.media_account_name,
                "CONTAINER": args.media_container,
                "BLOB": HEALTH_BLOB,
                "BODY": HEALTH_BODY,
                "CACHE_CONTROL": HEALTH_CACHE_CONTROL,
                **retry_environment(),
            },
            triggers=[args.media_account_name, args.media_container, HEALTH_BLOB, HEALTH_CACHE_CONTROL],
            opts=ctx.child(self, depends_on=[writer]),
        )
