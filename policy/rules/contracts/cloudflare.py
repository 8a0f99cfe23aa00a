"""Deploy contracts of Cloudflare: what the API or the edge requires of a combination of resources.

- `cloudflare-zone-singleton-owner`: a zone has one entry-point ruleset per phase and one value
  per zone setting, so exactly one stack declares them (the pack config names it); a second stack
  fails, or silently takes the settings over and deletes them on destroy;
- `cloudflare-proxied-host-has-route`: a Worker runs only on the URLs its routes match, so every
  hostname the stack proxies needs a route of the edge Worker (and a pattern exists once per zone);
- `cloudflare-record-tags-plan`: DNS record tags need a paid zone plan (the Free plan's quota is 0)
  and Free zones cut record comments at 100 characters;
- `cloudflare-pool-check-regions`: a load-balancer pool names the regions its monitor probes from;
  unset means every data centre, an Enterprise option, and probes every origin pays for.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from policy.rules.base import Finding, NotEvaluated, Res, Rule, Stack, StackRule, get, items, known
from policy.rules.contracts.area import AREA

RULESET = "cloudflare:index/ruleset:Ruleset"
ZONE_SETTING = "cloudflare:index/zoneSetting:ZoneSetting"
# Zone-level objects that exist once per zone (settings of the zone itself, not things in it).
ZONE_SINGLETONS = (
    "cloudflare:index/tieredCache:TieredCache",
    "cloudflare:index/argoTieredCaching:ArgoTieredCaching",
    "cloudflare:index/regionalTieredCache:RegionalTieredCache",
    "cloudflare:index/zoneCacheReserve:ZoneCacheReserve",
    "cloudflare:index/zoneCacheVariants:ZoneCacheVariants",
    "cloudflare:index/zoneDnssec:ZoneDnssec",
)
DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord"
LOAD_BALANCER = "cloudflare:index/loadBalancer:LoadBalancer"
WORKERS_SCRIPT = "cloudflare:index/workersScript:WorkersScript"
WORKERS_ROUTE = "cloudflare:index/workersRoute:WorkersRoute"
FREE_PLAN_COMMENT_MAX = 100
POOL = "cloudflare:index/loadBalancerPool:LoadBalancerPool"
ALL_DATA_CENTRES = ("ALL_REGIONS", "ALL_DATACENTERS")

OWNER_SCHEMA: dict[str, dict[str, Any]] = {
    "zoneSettingsOwner": {
        "type": ["string", "null"],
        "description": "The stack that declares the zones' zone-wide settings (cloudflare.zone_settings_owner).",
    }
}


def singletons(stack: Stack) -> list[tuple[str, Res]]:
    """(what, resource) for every zone-level singleton the stack declares: `what` names the one object."""
    found = []
    for res in stack.of(RULESET):
        if res.get("kind") == "zone" and known(res.get("zoneId")):
            found.append((f"zone {res.get('zoneId')} entry-point ruleset of phase {res.get('phase')}", res))
    for res in stack.of(ZONE_SETTING):
        found.append((f"zone {res.get('zoneId')} setting {res.get('settingId')}", res))
    for res in stack.of(*ZONE_SINGLETONS):
        found.append((f"zone {res.get('zoneId')} {res.type.rsplit(':', 1)[-1]}", res))
    return found


def _zone_singleton_owner(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    declared = singletons(stack)
    counts = Counter(what for what, _ in declared)
    for what, res in declared:
        if counts[what] > 1:
            yield f"{res.name}: {what} is declared {counts[what]} times in this stack; a zone has one", res.urn
    if "zoneSettingsOwner" not in config:
        if declared:
            raise NotEvaluated("the pack config names no zoneSettingsOwner (policy/config/<stack>.json)")
        return
    owner = config.get("zoneSettingsOwner")
    for what, res in declared:
        if res.stack != owner:
            yield (
                f"{res.name}: {what} belongs to the stack {owner or '(none: managed outside)'}, not to "
                f"{res.stack}: two stacks would overwrite each other's zone settings, and destroying this one "
                "would delete what the owner relies on",
                res.urn,
            )


def _matches(pattern: str, host: str) -> bool:
    """Whether a route pattern (`*` = any run of characters, host part only) covers `host/`."""
    host_part = pattern.split("/", 1)[0]
    regex = "^" + ".*".join(re.escape(p) for p in host_part.split("*")) + "$"
    return re.match(regex, host) is not None and pattern[len(host_part) :] in ("/*", "*", "/")


def _proxied_host_has_route(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    routes = stack.of(WORKERS_ROUTE)
    if not stack.of(WORKERS_SCRIPT):
        return
    seen = Counter((str(r.get("zoneId")), str(r.get("pattern"))) for r in routes)
    for route in routes:
        if seen[(str(route.get("zoneId")), str(route.get("pattern")))] > 1:
            yield (
                f"{route.name}: the pattern {route.get('pattern')} is routed twice in its zone; one route per pattern",
                route.urn,
            )
    proxied = [r for r in stack.of(DNS_RECORD, LOAD_BALANCER) if r.get("proxied") is True]
    for res in proxied:
        host, zone = res.get("name"), res.get("zoneId")
        if not known(host) or not known(zone):
            continue
        covering = [r for r in routes if r.get("zoneId") == zone and _matches(str(r.get("pattern")), str(host))]
        if not covering:
            yield (
                f"{res.name}: {host} is proxied but no Worker route covers {host}/*: the edge Worker (security "
                "headers, edge endpoints) never runs there",
                res.urn,
            )


def _record_tags_plan(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    plan = config.get("zonePlan")
    if plan is None:
        if stack.of(DNS_RECORD):
            raise NotEvaluated("the pack config names no zonePlan (cloudflare.zone_plan)")
        return
    if plan != "free":
        return
    for record in stack.of(DNS_RECORD):
        if items(record.props, "tags"):
            yield (
                f"{record.name}: DNS record tags need a paid zone plan; on Free the quota is 0 and the record is "
                "refused ('exceeding the quota of 0')",
                record.urn,
            )
        comment = record.get("comment")
        if known(comment) and comment and len(str(comment)) > FREE_PLAN_COMMENT_MAX:
            yield f"{record.name}: Free zones keep record comments to {FREE_PLAN_COMMENT_MAX} characters", record.urn


def _pool_check_regions(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for pool in stack.of(POOL):
        regions = pool.get("checkRegions")
        if not known(regions):
            continue
        listed = [str(r) for r in regions or []]
        if not listed or any(r in ALL_DATA_CENTRES for r in listed):
            yield (
                f"{pool.name}: no check regions ({listed or 'unset'}): its monitor probes from every Cloudflare data "
                "centre, an Enterprise-only option that other plans reject or bill, and every probe is a request "
                "its origin serves and pays for; name one or two regions (cloudflare.load_balancer.check_regions)",
                pool.urn,
            )


# --- security operations: WAF rulesets within the zone plan ---------------------------------------

FREE_MANAGED_RULESET = "77454fe2d30c4220b5701f6fdfb893ba"
PAID_MANAGED_RULESETS = {
    "efb7b8c949ac4650a09736fc376e9aee": "Cloudflare Managed Ruleset",
    "4814384a9e5d4991b9815dcfc25d2f1f": "Cloudflare OWASP Core Ruleset",
}
# Rate limiting by plan: (rules per zone, longest period and mitigation timeout in seconds).
RATE_LIMITS = {"free": (1, 10), "pro": (2, 60), "business": (5, 600), "enterprise": (100, 3600)}


def _waf_plan(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    rulesets = [r for r in stack.of(RULESET) if r.get("phase") in ("http_request_firewall_managed", "http_ratelimit")]
    if not rulesets:
        return
    plan = config.get("zonePlan")
    if plan is None:
        raise NotEvaluated("the pack config names no zonePlan (cloudflare.zone_plan)")
    for ruleset in rulesets:
        rules = items(ruleset.props, "rules")
        for rule in rules:
            action = get(rule, "action")
            override = get(rule, "actionParameters", "overrides", "action")
            if plan != "enterprise" and "log" in (action, override):
                yield f"{ruleset.name}: the log action exists on Enterprise zones only (zone plan {plan})", ruleset.urn
            ruleset_id = get(rule, "actionParameters", "id")
            if plan == "free" and ruleset_id in PAID_MANAGED_RULESETS:
                yield (
                    f"{ruleset.name}: the {PAID_MANAGED_RULESETS[ruleset_id]} needs a paid plan; Free zones run the "
                    f"Free Managed Ruleset ({FREE_MANAGED_RULESET})",
                    ruleset.urn,
                )
        if ruleset.get("phase") != "http_ratelimit":
            continue
        count, longest = RATE_LIMITS[str(plan)]
        if len(rules) > count:
            yield f"{ruleset.name}: {len(rules)} rate limiting rules; the {plan} plan allows {count}", ruleset.urn
        for rule in rules:
            limit = get(rule, "ratelimit", default={})
            if "cf.colo.id" not in (get(limit, "characteristics") or []):
                yield f"{ruleset.name}: rate limiting characteristics must include cf.colo.id", ruleset.urn
            for field in ("period", "mitigationTimeout"):
                value = get(limit, field)
                if isinstance(value, int | float) and value > longest:
                    yield f"{ruleset.name}: {field} {value:g} s exceeds the {plan} plan's {longest} s", ruleset.urn


RULES: list[Rule] = [
    StackRule(
        name="cloudflare-zone-singleton-owner",
        area=AREA,
        description="Zone-wide objects (entry-point rulesets, zone settings, tiered cache) are declared once, by the "
        "stack that owns the zone's settings.",
        severity=Severity.HIGH,
        types=(RULESET, ZONE_SETTING, *ZONE_SINGLETONS),
        check=_zone_singleton_owner,
        config=OWNER_SCHEMA,
        cannot_see="entry points created in the dashboard (import them once into the owner stack)",
        remediation="cloudflare.zone_settings_owner names the one stack that declares them (prod by default).",
        docs=(
            "https://developers.cloudflare.com/ruleset-engine/about/phases/",
            "https://developers.cloudflare.com/ruleset-engine/about/rulesets/#entry-point-ruleset",
            "https://developers.cloudflare.com/api/operations/tiered-caching-get-tiered-caching-setting",
        ),
    ),
    StackRule(
        name="cloudflare-proxied-host-has-route",
        area=AREA,
        description="Every hostname the stack proxies (DNS records, load balancer) is covered by a Worker route; "
        "each route pattern exists once per zone.",
        severity=Severity.HIGH,
        types=(DNS_RECORD, LOAD_BALANCER, WORKERS_ROUTE, WORKERS_SCRIPT),
        check=_proxied_host_has_route,
        cannot_see="routes of Workers deployed outside the stack",
        remediation="The edge worker (cloudflare.edge_worker) gets <host>/* on every proxied hostname.",
        docs=("https://developers.cloudflare.com/workers/configuration/routing/routes/",),
    ),
    StackRule(
        name="cloudflare-record-tags-plan",
        area=AREA,
        description="DNS record tags only on paid zone plans; comments within the Free plan's 100 characters.",
        severity=Severity.HIGH,
        types=(DNS_RECORD,),
        check=_record_tags_plan,
        config={"zonePlan": {"type": "string", "enum": ["free", "pro", "business", "enterprise"]}},
        cannot_see="the zones' actual plan (the configuration states it: cloudflare.zone_plan)",
        remediation="cloudflare.zone_plan: the zones' plan; records carry tags only on paid plans.",
        docs=(
            "https://developers.cloudflare.com/dns/manage-dns-records/reference/record-attributes/",
            "https://github.com/cloudflare/terraform-provider-cloudflare/issues/3217",
        ),
    ),
    StackRule(
        name="cloudflare-pool-check-regions",
        area=AREA,
        description="Every load-balancer pool names the regions its monitor probes from: unset means every "
        "Cloudflare data centre, an Enterprise-only option, and probe traffic each origin pays for.",
        severity=Severity.MEDIUM,
        types=(POOL,),
        check=_pool_check_regions,
        cannot_see="the regions the account's Load Balancing subscription includes",
        remediation="cloudflare.load_balancer.check_regions (default [ENAM]).",
        docs=(
            "https://developers.cloudflare.com/load-balancing/troubleshooting/load-balancing-faq/",
            "https://developers.cloudflare.com/load-balancing/monitors/",
        ),
    ),
    StackRule(
        name="cloudflare-waf-within-plan",
        area=AREA,
        description="WAF rulesets use what the zones' plan has: managed rulesets (Managed and OWASP need a paid plan), "
        "the log action (Enterprise), rate limiting rules, periods and timeouts; cf.colo.id is counted.",
        severity=Severity.HIGH,
        types=(RULESET,),
        check=_waf_plan,
        config={"zonePlan": {"type": "string", "enum": ["free", "pro", "business", "enterprise"]}},
        cannot_see="the zones' actual plan (the configuration states it: cloudflare.zone_plan)",
        remediation="cloudflare.zone_plan states the plan; components/cloudflare/waf.py follows it.",
        docs=(
            "https://developers.cloudflare.com/waf/managed-rules/",
            "https://developers.cloudflare.com/waf/rate-limiting-rules/parameters/",
            "https://developers.cloudflare.com/learning-paths/application-security/rate-limiting/features",
        ),
    ),
]
