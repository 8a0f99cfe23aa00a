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

Records carry a comment naming the stack and, on paid zone plans (`cloudflare.zone_plan`), the
required tags as `key:value` DNS record tags: the Free plan's tag quota is 0, so a tagged record
cannot be created there, and its comments are cut to 100 characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_cloudflare as cloudflare

from components.context import StackContext
from infra.config import CloudflareZone

AUTOMATIC_TTL = 1
FREE_PLAN_COMMENT_MAX = 100
RecordType = Literal["A", "CNAME", "TXT"]


def record_tags(ctx: StackContext, paid_plan: bool = True) -> list[str] | None:
    """The required tags as Cloudflare DNS record tags (`key:value`); none on a Free zone (quota 0)."""
    return [f"{k}:{v}" for k, v in sorted(ctx.tags.items())] if paid_plan else None


def record_comment(text: str, paid_plan: bool) -> str:
    return text if paid_plan else text[:FREE_PLAN_COMMENT_MAX]


@dataclass(frozen=True)
class CloudflareDnsArgs:
    zones: list[CloudflareZone]
    target: pulumi.Input[str]  # what every configured hostname points at (the load balancer)
    paid_plan: bool = False


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
        tags = record_tags(ctx, args.paid_plan)
        self.records = {
            hostname: cloudflare.DnsRecord(
                f"{name}-{hostname.replace('.', '-')}",
                zone_id=zone.zone_id,
                name=hostname,
                type="CNAME",
                content=args.target,
                proxied=True,
                ttl=AUTOMATIC_TTL,
                comment=record_comment(
                    f"qmoi-cloud {ctx.stack_names.stack}: served through the Cloudflare edge", args.paid_plan
                ),
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
    paid_plan: bool = False


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
        tags = record_tags(ctx, args.paid_plan)
        self.records = {
            record.key: cloudflare.DnsRecord(
                f"{name}-{record.key}",
                zone_id=record.zone_id,
                name=_without_dot(record.name),
                type=record.type,
                content=_content(record),
                proxied=False,
                ttl=AUTOMATIC_TTL,
                comment=record_comment(
                    f"qmoi-cloud {ctx.stack_names.stack}: {record.purpose} ({record.provider}, {record.domain})",
                    args.paid_plan,
                ),
                tags=tags,
                opts=ctx.child(self),
            )
            for record in args.records
        }
        self.register_outputs({"records": {key: r.name for key, r in self.records.items()}})
