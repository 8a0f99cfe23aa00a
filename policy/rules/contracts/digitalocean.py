"""Deploy contracts of DigitalOcean: what the API or a consuming service requires of a combination of resources.

- `do-vpc-ranges`: VPC ranges are private (RFC 1918), /16 to /28, and overlap no other network of
  the team (within the stack here; across stacks: `python -m infra check --all-stacks`);
- `do-autoscale-pool-limits`: a pool's minimum is at least 1 (API: "Min: 1"), its maximum at least
  the minimum, utilization targets within 0.05-1, and GPU droplets are not scaled on CPU/memory;
- `do-letsencrypt-needs-do-dns`: DigitalOcean issues Let's Encrypt certificates only for domains
  whose DNS it hosts, never for a domain in a Cloudflare zone;
- `do-app-secrets-declared`: every variable a function's code takes from the App Platform
  environment is declared in the spec (a value set by hand is dropped by the next `pulumi up`),
  and secret-looking values are of type SECRET.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from policy.rules.base import Finding, NotEvaluated, Res, Rule, Stack, StackRule, get, items, known
from policy.rules.contracts.area import AREA

VPC = "digitalocean:index/vpc:Vpc"
POOL = "digitalocean:index/dropletAutoscale:DropletAutoscale"
CERTIFICATE = "digitalocean:index/certificate:Certificate"
DOMAIN = "digitalocean:index/domain:Domain"
CDN = "digitalocean:index/cdn:Cdn"
APP = "digitalocean:index/app:App"
RFC1918 = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
SECRET_NAME = re.compile(r"(SECRET|TOKEN|PASSWORD|PRIVATE|_KEY$|^KEY$)", re.IGNORECASE)
GPU_SIZE_PREFIX = "gpu-"


def _vpc_ranges(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    vpcs = [(v, v.get("ipRange")) for v in stack.of(VPC)]
    nets: list[tuple[Res, ipaddress.IPv4Network]] = []
    for vpc, text in vpcs:
        if not known(text) or not text:
            continue  # allocated by DigitalOcean: never overlaps the team's networks
        try:
            net = ipaddress.IPv4Network(str(text), strict=False)
        except ValueError:
            yield f"{vpc.name}: ipRange {text!r} is not a network", vpc.urn
            continue
        if not any(net.subnet_of(p) for p in RFC1918) or not 16 <= net.prefixlen <= 28:
            yield f"{vpc.name}: {net} must be an RFC 1918 private range from /16 to /28", vpc.urn
        for other, other_net in nets:
            if net.overlaps(other_net):
                yield (
                    f"{vpc.name}: {net} overlaps {other.name}'s {other_net}; ranges may not overlap in a team",
                    vpc.urn,
                )
        nets.append((vpc, net))
    names = [v.get("name") for v, _ in vpcs if known(v.get("name"))]
    for name in sorted({n for n in names if names.count(n) > 1}):
        yield f"VPC name {name} is used twice; VPC names are unique in a team", None


def _number(value: Any) -> float | None:
    try:
        return float(value) if known(value) and value is not None else None
    except (TypeError, ValueError):
        return None


def _pool_limits(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for pool in stack.of(POOL):
        config = pool.get("config", default={})
        minimum, maximum = _number(get(config, "minInstances")), _number(get(config, "maxInstances"))
        fixed = _number(get(config, "targetNumberInstances"))
        if fixed is not None and fixed < 1:
            yield f"{pool.name}: targetNumberInstances {fixed:g} must be at least 1", pool.urn
        if fixed is None and minimum is not None and minimum < 1:
            yield (
                f"{pool.name}: minInstances {minimum:g}; the API requires at least 1 (a pool cannot be empty, nor "
                "scale up from zero on utilization): park the tier (no pool) or use 1",
                pool.urn,
            )
        if minimum is not None and maximum is not None and maximum < minimum:
            yield f"{pool.name}: maxInstances {maximum:g} is below minInstances {minimum:g}", pool.urn
        for key in ("targetCpuUtilization", "targetMemoryUtilization"):
            value = _number(get(config, key))
            if value is not None and not 0.05 <= value <= 1:
                yield f"{pool.name}: {key} {value:g} is outside 0.05-1", pool.urn
        size = get(pool.props, "dropletTemplate", "size")
        utilization = get(config, "targetCpuUtilization") or get(config, "targetMemoryUtilization")
        if known(size) and str(size).startswith(GPU_SIZE_PREFIX) and utilization:
            yield (
                f"{pool.name}: {size} scales on CPU/memory, which do not show GPU load; keep GPU pools at a fixed "
                "size (targetNumberInstances) or scale them with a controller that reads GPU metrics",
                pool.urn,
            )


def _under(domain: str, zone: str) -> bool:
    domain = domain.removeprefix("*.")
    return domain == zone or domain.endswith(f".{zone}")


def _letsencrypt_needs_do_dns(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    cloudflare_zones = [str(z) for z in config.get("cloudflareZones") or []]
    do_zones = [str(d.get("name")) for d in stack.of(DOMAIN) if known(d.get("name"))]
    for cert in stack.of(CERTIFICATE):
        if cert.get("type") != "lets_encrypt":
            continue
        for domain in (str(d) for d in items(cert.props, "domains") if known(d)):
            if any(_under(domain, z) for z in do_zones):
                continue
            zone = next((z for z in cloudflare_zones if _under(domain, z)), None)
            if zone is not None:
                yield (
                    f"{cert.name}: {domain} is in the Cloudflare zone {zone}; DigitalOcean issues Let's Encrypt "
                    "certificates only for domains whose DNS it hosts, so the certificate is never issued",
                    cert.urn,
                )
    for cdn in stack.of(CDN):
        if cdn.get("customDomain") and not (cdn.get("certificateName") or cdn.get("certificateId")):
            yield f"{cdn.name}: a custom domain needs a certificate (certificateName or certificateId)", cdn.urn


def _components(app: Any) -> Iterator[tuple[str, Any]]:
    for kind in ("functions", "services", "workers", "jobs", "staticSites"):
        for component in items(app.props, "spec", kind):
            yield str(get(component, "name")), component


def _app_secrets_declared(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    required = config.get("requiredEnvs")
    for app in stack.of(APP):
        for name, component in _components(app):
            envs = {str(get(e, "key")): e for e in items(component, "envs")} | {
                str(get(e, "key")): e for e in items(app.props, "spec", "envs")
            }
            for key, env in envs.items():
                if SECRET_NAME.search(key) and get(env, "type") != "SECRET":
                    yield f"{app.name}: {name} env {key} looks like a secret but is not of type SECRET", app.urn
            if required is None:
                continue
            missing = [k for k in required.get(name, []) if k not in envs]
            if missing:
                yield (
                    f"{app.name}: {name}'s code needs {', '.join(missing)} from the App Platform environment, and "
                    "the spec does not declare it: a value set by hand is dropped by the next pulumi up",
                    app.urn,
                )
    if required is None and stack.of(APP):
        raise NotEvaluated("the pack config names no requiredEnvs (the functions' ${NAME} references)")


RULES: list[Rule] = [
    StackRule(
        name="do-vpc-ranges",
        area=AREA,
        description="DigitalOcean VPC ranges are private /16-/28 networks that overlap no other VPC of the stack; "
        "names are unique.",
        severity=Severity.HIGH,
        types=(VPC,),
        check=_vpc_ranges,
        cannot_see="other stacks' and hand-made VPCs of the team (python -m infra check --all-stacks compares stacks)",
        remediation="Leave digitalocean.vpc_cidr unset: DigitalOcean allocates a range clear of the team's networks.",
        docs=("https://docs.digitalocean.com/reference/dots/reference/vpcs/vpcs-create/",),
    ),
    StackRule(
        name="do-autoscale-pool-limits",
        area=AREA,
        description="Droplet autoscale pools have at least one droplet, consistent limits and targets, and GPU "
        "pools do not scale on CPU/memory.",
        severity=Severity.HIGH,
        types=(POOL,),
        check=_pool_limits,
        cannot_see="droplet sizes sold in the pool's region (doctl compute size list)",
        remediation="A tier with min 0 is parked (no pool); GPU pools use targetNumberInstances.",
        docs=("https://docs.digitalocean.com/reference/dots/reference/droplet-autoscale-pools/autoscalepools-create/",),
    ),
    StackRule(
        name="do-letsencrypt-needs-do-dns",
        area=AREA,
        description="Let's Encrypt certificates on DigitalOcean only for domains whose DNS DigitalOcean hosts; "
        "a CDN custom domain has a certificate.",
        severity=Severity.HIGH,
        types=(CERTIFICATE, DOMAIN, CDN),
        check=_letsencrypt_needs_do_dns,
        config={"cloudflareZones": {"type": "array", "items": {"type": "string"}}},
        cannot_see="domains delegated to DigitalOcean outside the stack",
        remediation="No custom domain on the Spaces CDN for a Cloudflare-hosted name: serve it through Cloudflare.",
        docs=(
            "https://docs.digitalocean.com/reference/doctl/reference/compute/certificate/create/",
            "https://docs.digitalocean.com/products/networking/dns/details/features/",
        ),
    ),
    StackRule(
        name="do-app-secrets-declared",
        area=AREA,
        description="Every variable a function takes from the App Platform environment is declared in the app spec; "
        "secret-looking values are of type SECRET.",
        severity=Severity.HIGH,
        types=(APP,),
        check=_app_secrets_declared,
        config={"requiredEnvs": {"type": "object", "description": "component -> env names its code needs"}},
        cannot_see="whether a SECRET value is the right one",
        remediation="qmoi-cloud:function_secrets (secret config) -> SECRET envs of the component.",
        docs=(
            "https://docs.digitalocean.com/products/app-platform/how-to/update-app-spec/",
            "https://docs.digitalocean.com/products/functions/reference/project-configuration/",
        ),
    ),
]
