"""Cloudflare DNS: the zones' hostnames pointing at the edge, and the records the other clouds need.

- `CloudflareDns`: each hostname in `cloudflare.zones[].hostnames` is a proxied CNAME (TTL
  automatic) to the edge target: the load balancer hostname when there is one, otherwise the
  first cloud origin. Proxied means clients reach Cloudflare, never the origin directly, so the
  zone's TLS, HSTS, cache rules and Workers apply.
- `CloudflareCloudRecords`: the DNS-only records other clouds' CDNs need for their custom
  domains in these zones (ACM validation CNAMEs, the GCP load balancer's A records, Front Door
  `_dnsauth` TXTs and CNAMEs), one per `DnsOnlyRecord` declared by `stacks/edge.py` from the
  clouds' outputs. Never proxied: a certificate authority must see the cloud's own answer, and
  a proxied A/CNAME would hide the origin the certificate is issued for. Trailing dots are
  dropped from names and targets (Cloudflare stores them without), TXT content is quoted as the
  Cloudflare API requires.

Records carry the required tags as `key:value` DNS record tags (tags need a paid zone plan) and
a comment naming the stack.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_cloudflare as cloudflare

from components.context import StackContext
from infra.config import CloudflareZone

AUTOMATIC_TTL = 1
RecordType = Literal["A", "CNAME", "TXT"]


def record_tags(ctx: StackContext) -> list[str]:
    """The required tags as Cloudflare DNS record tags (`key:value`)."""
    return [f"{k}:{v}" for k, v in sorted(ctx.tags.items())]


@dataclass(frozen=True)
class CloudflareDnsArgs:
    zones: list[CloudflareZone]
    target: pulumi.Input[str]  # what every configured hostname points at (the load balancer)


class CloudflareDns(pulumi.ComponentResource):
    records: dict[str, cloudflare.DnsRecord]

    def __init__(
        self,
        name: str,
        args: CloudflareDnsArgs,
        ctx: StackContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("qmoi:cloudflare:Dns", name, None, opts)
        tags = record_tags(ctx)
        self.records = {
            hostname: cloudflare.DnsRecord(
                f"{name}-{hostname.replace('.', '-')}",
                zone_id=zone.zone_id,
                name=hostname,
                type="CNAME",
                content=args.target,
                proxied=True,
                ttl=AUTOMATIC_TTL,
                comment=f"qmoi-cloud {ctx.stack_names.stack}: served through the Cloudflare edge",
                tags=tags,
                opts=ctx.child(self),
            )
            for zone in args.zones
            for hostname in zone.hostnames
        }
        self.register_outputs({"hostnames": list(self.records)})


@dataclass(frozen=True)
class DnsOnlyRecord:
    """A record another cloud needs in a Cloudflare zone; `name`/`content` come from that cloud's outputs."""

    provider: str  # the cloud asking for it, e.g. "aws"
    role: str  # what it is for, in the resource name: "validation", "dnsauth", "origin"
    domain: str  # the configured CDN domain it serves (known at program time)
    zone_id: str  # the Cloudflare zone holding `domain`
    type: RecordType
    name: pulumi.Input[str]
    content: pulumi.Input[str]
    purpose: str  # for the record's comment

    @property
    def key(self) -> str:
        return f"{self.provider}-{self.role}-{self.domain.replace('*', 'wildcard').replace('.', '-')}"


def _without_dot(value: pulumi.Input[str]) -> pulumi.Output[str]:
    return pulumi.Output.from_input(value).apply(lambda v: v.rstrip("."))


def _content(record: DnsOnlyRecord) -> pulumi.Output[str]:
    if record.type == "TXT":
        return pulumi.Output.from_input(record.content).apply(lambda v: v if v.startswith('"') else f'"{v}"')
    return _without_dot(record.content)


@dataclass(frozen=True)
class CloudflareCloudRecordsArgs:
    records: list[DnsOnlyRecord]


class CloudflareCloudRecords(pulumi.ComponentResource):
    """DNS-only records (never proxied) for the other clouds' CDN domains in Cloudflare zones."""

    records: dict[str, cloudflare.DnsRecord]

    def __init__(
        self,
        name: str,
        args: CloudflareCloudRecordsArgs,
        ctx: StackContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("qmoi:cloudflare:CloudRecords", name, None, opts)
        tags = record_tags(ctx)
        self.records = {
            record.key: cloudflare.DnsRecord(
                f"{name}-{record.key}",
                zone_id=record.zone_id,
                name=_without_dot(record.name),
                type=record.type,
                content=_content(record),
                proxied=False,
                ttl=AUTOMATIC_TTL,
                comment=f"qmoi-cloud {ctx.stack_names.stack}: {record.purpose} ({record.provider}, {record.domain})",
                tags=tags,
                opts=ctx.child(self),
            )
            for record in args.records
        }
        self.register_outputs({"records": {key: r.name for key, r in self.records.items()}})
