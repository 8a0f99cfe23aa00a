"""The multi-cloud edge: Cloudflare, built last, in front of the other clouds' origins.

`build_edge` collects each built platform's `origin` output (CloudFront domain, GCP load
balancer address, Azure Front Door endpoint, DigitalOcean CDN/app endpoint), never a literal
hostname, reads the Cloudflare secrets through infra/config/reading.py, and declares the
Cloudflare platform with them.

It also declares, in Cloudflare, the DNS-only records the other clouds' CDN custom domains need
when those domains lie in a configured zone (`cloud_dns_records`): one record per configured
domain, so the count is known at program time; names and values are the clouds' outputs.

- AWS: the ACM validation CNAME per `aws.cloudfront.domains` entry (a wildcard shares its
  apex's record). `CertificateValidation` does not get the records' FQDNs: AwsPlatform is
  declared before this edge, so it cannot take them without a construction cycle; it waits
  until ACM sees the records, which Pulumi creates in parallel.
- GCP: an A record per `gcp.cdn.domains` entry to the load balancer's global address, which
  is what lets Google issue the managed certificate (and the edge reach its GCP origin).
- Azure: per Front Door custom domain, `_dnsauth.<domain>` TXT with its validation token and a
  CNAME to the AFD endpoint host.
- DigitalOcean: none. Its Let's Encrypt certificate is only issued for domains whose DNS is
  hosted at DigitalOcean, so a Cloudflare record would not help (docs/cloudflare.md).

Domains outside every Cloudflare zone get nothing here: the clouds' exports document the
records to create by hand. This module is imported only when Cloudflare is enabled
(`stacks.build`), so importing pulumi_cloudflare through components.cloudflare.dns is fine.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

import pulumi

from components.cloudflare.dns import DnsOnlyRecord, RecordType
from components.platform import ProviderPlatform
from infra.config import Cloudflare, PlatformConfig, Provider, cloudflare_api_token, worker_secrets

if TYPE_CHECKING:
    from components.aws.platform import AwsPlatform
    from components.azure.platform import AzurePlatform
    from components.gcp.platform import GcpPlatform


def origins_of(platforms: Mapping[Provider, ProviderPlatform]) -> dict[Provider, pulumi.Output[str]]:
    """Each built cloud's origin hostname, in build (config) order; clouds without one are left out."""
    return {p: platform.origin for p, platform in platforms.items() if platform.origin is not None}


def health_paths_of(platforms: Mapping[Provider, ProviderPlatform]) -> dict[Provider, str]:
    """Per cloud with an origin, the path its origin answers with 2xx (an object its platform creates).
    A cloud that declares none is probed on `cloudflare.load_balancer.health_path`, as before."""
    return {
        p: path
        for p, platform in platforms.items()
        if platform.origin is not None and (path := platform.health_path) is not None
    }


class _Records:
    """Collects the records of domains inside a configured zone; others are left to the exports."""

    def __init__(self, cf: Cloudflare) -> None:
        self.cf = cf
        self.records: list[DnsOnlyRecord] = []

    def add(
        self,
        provider: Provider,
        role: str,
        domain: str,
        type_: RecordType,
        name: pulumi.Input[str],
        content: pulumi.Input[str],
        purpose: str,
    ) -> None:
        zone = self.cf.zone_of(domain.removeprefix("*."))
        if zone is not None:
            self.records.append(
                DnsOnlyRecord(provider.value, role, domain, zone.zone_id, type_, name, content, purpose)
            )


def cloud_dns_records(config: PlatformConfig, platforms: Mapping[Provider, ProviderPlatform]) -> list[DnsOnlyRecord]:
    """The DNS-only records the clouds' CDN custom domains need, for the domains in Cloudflare zones."""
    collected = _Records(config.cloudflare)
    if Provider.aws in platforms:
        options = cast("AwsPlatform", platforms[Provider.aws]).certificate_validation_records
        for domain, option in options.items():
            if domain.startswith("*.") and domain[2:] in options:
                continue  # ACM asks the same record for a wildcard and its apex
            collected.add(
                Provider.aws,
                "validation",
                domain,
                "CNAME",
                option.resource_record_name,
                option.resource_record_value,
                "ACM certificate validation",
            )
    if Provider.gcp in platforms:
        gcp = cast("GcpPlatform", platforms[Provider.gcp])
        if gcp.cdn_address is not None:
            for domain in gcp.cdn_domains:
                collected.add(
                    Provider.gcp, "origin", domain, "A", domain, gcp.cdn_address, "GCP load balancer (managed cert)"
                )
    if Provider.azure in platforms:
        azure = cast("AzurePlatform", platforms[Provider.azure])
        if azure.cdn_endpoint_host is not None:
            for domain, token in azure.cdn_validation_tokens.items():
                collected.add(
                    Provider.azure, "dnsauth", domain, "TXT", f"_dnsauth.{domain}", token, "Front Door validation"
                )
                collected.add(
                    Provider.azure, "origin", domain, "CNAME", domain, azure.cdn_endpoint_host, "Front Door endpoint"
                )
    check_names(config, collected.records)
    return collected.records


def check_names(config: PlatformConfig, records: list[DnsOnlyRecord]) -> None:
    """A cloud's A/CNAME may not take a name the edge already serves or another cloud claims."""
    cf = config.cloudflare
    owners = {h: "cloudflare.zones[].hostnames" for z in cf.zones for h in z.hostnames}
    lb_hostname = cf.lb_hostname(config.environment.value) if cf.load_balancer.enabled else None
    if lb_hostname:
        owners[lb_hostname] = "cloudflare.load_balancer.hostname"
    problems = []
    for record in records:
        if record.type == "TXT" or not isinstance(record.name, str):
            continue
        if record.name in owners:
            problems.append(f"{record.name!r} is both a {record.provider} CDN domain and in {owners[record.name]}")
        owners[record.name] = f"{record.provider} CDN domains"
    if problems:
        raise pulumi.RunError("; ".join(problems) + ": a name can hold one CNAME/A record only")


def build_edge(
    config: PlatformConfig, platforms: Mapping[Provider, ProviderPlatform], name: str = "qmoi-cloudflare"
) -> ProviderPlatform:
    """Declare the Cloudflare platform in front of `platforms`' origins."""
    from components.cloudflare.platform import CloudflarePlatform, CloudflareSecrets

    secrets = CloudflareSecrets(
        api_token=cloudflare_api_token(), workers=worker_secrets(config.cloudflare.secret_bindings)
    )
    return CloudflarePlatform(
        name,
        config,
        origins=origins_of(platforms),
        secrets=secrets,
        records=cloud_dns_records(config, platforms),
        health_paths=health_paths_of(platforms),
    )
