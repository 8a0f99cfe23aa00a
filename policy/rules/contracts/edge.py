"""Deploy contracts of the cross-cloud edge and of stacks that live side by side.

- `lb-monitor-path-healthy`: a load-balancer pool's monitor probes a path its origin answers with
  2xx, an object the stack itself creates, which no CDN may cache; a monitor every origin answers
  with 4xx marks every pool down, and Cloudflare then sends all traffic to the fallback pool
  whatever its health, and a cached health object keeps a broken origin's pool up;
- `origin-rate-limit-behind-proxy`: an origin firewall's rate rule behind Cloudflare's proxied load
  balancer counts the client the proxy forwards, or leaves the proxy's addresses out; keyed on the
  connecting address, it would give every client of one Cloudflare data centre a single counter;
- `names-derive-from-stack`: a stack that is not its environment's own (a review or developer
  stack) carries its stack suffix in every globally, account- or zone-unique name, so it shares
  none with the environment's stack.

`UNIQUE_NAMES` is the registry of names that must differ between stacks (what, where it is
unique); `python -m infra check --all-stacks` uses it to find names two stacks share.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import Severity

from policy.rules.base import Finding, Res, Rule, Stack, StackRule, get, is_true, items, known
from policy.rules.contracts.area import AREA
from policy.rules.data_safety import environment_of

POOL = "cloudflare:index/loadBalancerPool:LoadBalancerPool"
MONITOR = "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor"
LOAD_BALANCER = "cloudflare:index/loadBalancer:LoadBalancer"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
AFD_ENDPOINTS = ("azure-native:cdn:AFDEndpoint", "azure-native:cdn:AFDCustomDomain")
AFD_SECURITY_POLICY = "azure-native:cdn:SecurityPolicy"
AFD_WAF_POLICY = "azure-native:frontdoor:Policy"
# Resources that create an object an origin serves: (type, property holding its key or name, property holding
# its Cache-Control).
HEALTH_OBJECTS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("command:local:Command", ("environment", "BLOB"), ("environment", "CACHE_CONTROL")),
    ("digitalocean:index/spacesBucketObject:SpacesBucketObject", ("key",), ("cacheControl",)),
    ("aws:s3/bucketObjectv2:BucketObjectv2", ("key",), ("cacheControl",)),
    ("aws:s3/bucketObject:BucketObject", ("key",), ("cacheControl",)),
    ("gcp:storage/bucketObject:BucketObject", ("name",), ("cacheControl",)),
)
# Cache-Control directives that keep a CDN from answering the monitor with a stale copy.
UNCACHED = ("no-store", "no-cache", "max-age=0")
# Origins whose platforms create a health object; the others are probed on the configured path until
# theirs declare one (ProviderPlatform.health_path), and are not judged on the legacy "/".
HEALTH_OBJECT_ORIGINS = frozenset({"azure", "digitalocean"})


@dataclass(frozen=True)
class UniqueName:
    """A name that must differ between stacks: the type, where its value is read, and its scope."""

    type: str
    path: tuple[str, ...]
    scope: str  # global | account | zone (zone: unique within the resource's zoneId)

    def values(self, res: Res) -> list[str]:
        value = res.get(*self.path)
        values = value if isinstance(value, list) else [value]
        return [str(v) for v in values if known(v) and isinstance(v, str | int) and str(v)]


UNIQUE_NAMES: tuple[UniqueName, ...] = (
    # unique across every customer of the cloud
    UniqueName("aws:s3/bucket:Bucket", ("bucket",), "global"),
    UniqueName("aws:s3/bucketV2:BucketV2", ("bucket",), "global"),
    UniqueName("aws:cloudfront/distribution:Distribution", ("aliases",), "global"),
    UniqueName("gcp:storage/bucket:Bucket", ("name",), "global"),
    UniqueName("azure-native:storage:StorageAccount", ("accountName",), "global"),
    UniqueName("azure-native:web:WebApp", ("name",), "global"),
    UniqueName("azure-native:cdn:AFDEndpoint", ("endpointName",), "global"),
    UniqueName("azure-native:cdn:AFDCustomDomain", ("hostName",), "global"),
    UniqueName("digitalocean:index/spacesBucket:SpacesBucket", ("name",), "global"),
    # unique in an account, team, subscription or project (stacks side by side usually share one)
    UniqueName("aws:lambda/function:Function", ("name",), "account"),
    UniqueName("aws:kms/alias:Alias", ("name",), "account"),
    UniqueName("aws:autoscaling/group:Group", ("name",), "account"),
    UniqueName("gcp:serviceaccount/account:Account", ("accountId",), "account"),
    UniqueName("gcp:cloudfunctionsv2/function:Function", ("name",), "account"),
    UniqueName("gcp:compute/network:Network", ("name",), "account"),
    UniqueName("azure-native:resources:ResourceGroup", ("resourceGroupName",), "account"),
    UniqueName("cloudflare:index/r2Bucket:R2Bucket", ("name",), "account"),
    UniqueName("cloudflare:index/workersScript:WorkersScript", ("scriptName",), "account"),
    UniqueName("digitalocean:index/vpc:Vpc", ("name",), "account"),
    UniqueName("digitalocean:index/tag:Tag", ("name",), "account"),
    UniqueName("digitalocean:index/app:App", ("spec", "name"), "account"),
    UniqueName("digitalocean:index/certificate:Certificate", ("name",), "account"),
    UniqueName("digitalocean:index/dropletAutoscale:DropletAutoscale", ("name",), "account"),
    UniqueName("aws:cloudwatch/dashboard:Dashboard", ("dashboardName",), "account"),
    UniqueName("azure-native:costmanagement:ScheduledActionByScope", ("name",), "account"),
    # one per zone
    UniqueName("cloudflare:index/dnsRecord:DnsRecord", ("name",), "zone"),
    UniqueName("cloudflare:index/loadBalancer:LoadBalancer", ("name",), "zone"),
    UniqueName("cloudflare:index/workersRoute:WorkersRoute", ("pattern",), "zone"),
)
UNIQUE_BY_TYPE: dict[str, UniqueName] = {u.type: u for u in UNIQUE_NAMES}


def unique_names(res: Res) -> list[tuple[str, str]]:
    """(where, name) of each name of `res` that must differ between stacks; `where` is scope[:zone]."""
    spec = UNIQUE_BY_TYPE.get(res.type)
    if spec is None:
        return []
    where = f"zone {res.get('zoneId')}" if spec.scope == "zone" else spec.scope
    return [(where, value) for value in spec.values(res)]


# --- lb-monitor-path-healthy ----------------------------------------------------------


def _health_objects(stack: Stack) -> dict[str, list[Any]]:
    """The last path segment of every object the stack creates for an origin to serve -> its Cache-Control(s)."""
    found: dict[str, list[Any]] = {}
    for token, path, cache_path in HEALTH_OBJECTS:
        for res in stack.of(token):
            value = res.get(*path)
            if known(value) and value:
                found.setdefault(str(value).rstrip("/").rsplit("/", 1)[-1], []).append(res.get(*cache_path))
    return found


def _uncached(cache_control: Any) -> bool:
    return not known(cache_control) or any(d in str(cache_control or "").lower() for d in UNCACHED)


def _monitor_of(stack: Stack, pool: Res) -> Res | None:
    monitor_id = pool.get("monitor")
    for monitor in stack.of(MONITOR):
        if pool.depends_on("monitor", monitor.urn) or (known(monitor_id) and monitor.get("id") == monitor_id):
            return monitor
    return None


def _monitor_path_healthy(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    objects = _health_objects(stack)
    for pool in stack.of(POOL):
        monitor = _monitor_of(stack, pool)
        if monitor is None:
            if pool.get("monitor"):
                yield f"{pool.name}: its monitor is not declared in this stack", pool.urn
            continue
        path, codes = monitor.get("path", default="/"), monitor.get("expectedCodes", default="200")
        if not known(path) or not known(codes):
            continue
        if not str(codes).startswith("2"):
            yield f"{monitor.name}: expects {codes}; a healthy origin answers 2xx", monitor.urn
        origins = {str(get(o, "name")) for o in items(pool.props, "origins")}
        name = str(path).rstrip("/").rsplit("/", 1)[-1]
        if name in objects:
            if not all(_uncached(c) for c in objects[name]):
                yield (
                    f"{pool.name}: its monitor probes {path}, an object created without Cache-Control "
                    f"{' / '.join(UNCACHED)}: the CDN in front of {', '.join(sorted(origins))} answers the probe "
                    "from its cache (Front Door for 1-3 days without the header), so the pool stays up while the "
                    "origin is broken. Create it with HEALTH_CACHE_CONTROL (components/specs.py)",
                    pool.urn,
                )
            continue
        if not origins & HEALTH_OBJECT_ORIGINS and path == "/":
            continue  # this cloud declares no health object yet: probed as before, judged once it does
        yield (
            f"{pool.name}: its monitor probes {path}, which is no object the stack creates for "
            f"{', '.join(sorted(origins))}: the origin answers 4xx, the pool is marked down and traffic falls to "
            "the fallback pool whatever its health. Probe the origin's health object (ProviderPlatform.health_path)",
            pool.urn,
        )


# --- origin-rate-limit-behind-proxy ----------------------------------------------------


def _proxied_origins(stack: Stack) -> Iterator[tuple[Res, Res]]:
    """(pool, origin resource) for every origin a proxied load balancer's pool sends traffic to."""
    balancers = [lb for lb in stack.of(LOAD_BALANCER) if is_true(lb.get("proxied"))]
    for pool in stack.of(POOL):
        if not any(lb.depends_on(p, pool.urn) for lb in balancers for p in ("defaultPools", "fallbackPool")):
            continue
        for origin in stack.of(DISTRIBUTION, *AFD_ENDPOINTS):
            if pool.depends_on("origins", origin.urn):
                yield pool, origin


def _aws_rate_rules(stack: Stack, distribution: Res) -> Iterator[tuple[Res, Mapping[str, Any]]]:
    acl_arn = distribution.get("webAclId")
    for acl in stack.of(WEB_ACL):
        if distribution.depends_on("webAclId", acl.urn) or (known(acl_arn) and acl_arn and acl.get("arn") == acl_arn):
            for rule in items(acl.props, "rules"):
                statement = get(rule, "statement", "rateBasedStatement")
                if statement is not None:
                    yield acl, {"name": get(rule, "name"), **statement}


def _aws_counts_the_proxy(rate: Mapping[str, Any]) -> bool:
    """Keyed on the connecting address, and not limited to requests from outside the proxy."""
    key = rate.get("aggregateKeyType", "IP")
    if key == "FORWARDED_IP":
        return False
    if key == "CUSTOM_KEYS":
        return any("ip" in k for k in items(rate, "customKeys"))
    return get(rate, "scopeDownStatement", "notStatement") is None


def _azure_rate_rules(stack: Stack, endpoint: Res) -> Iterator[tuple[Res, Mapping[str, Any]]]:
    for association in stack.of(AFD_SECURITY_POLICY):
        if not association.depends_on("parameters", endpoint.urn):
            continue
        for policy in stack.of(AFD_WAF_POLICY):
            if association.depends_on("parameters", policy.urn):
                for rule in items(policy.props, "customRules", "rules"):
                    if get(rule, "ruleType") == "RateLimitRule":
                        yield policy, rule


def _azure_counts_the_proxy(rule: Mapping[str, Any]) -> bool:
    """Grouped by socket address (the default), with no condition that leaves the proxy's addresses out."""
    groups = {get(g, "variableName") for g in items(rule, "groupBy")} or {"SocketAddr"}
    excluded = any(
        get(c, "matchVariable") == "SocketAddr" and get(c, "operator") == "IPMatch" and get(c, "negateCondition")
        for c in items(rule, "matchConditions")
    )
    return "SocketAddr" in groups and not excluded


def _rate_limit_behind_proxy(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for pool, origin in _proxied_origins(stack):
        if origin.type == DISTRIBUTION:
            found = [(acl, rate) for acl, rate in _aws_rate_rules(stack, origin) if _aws_counts_the_proxy(rate)]
        else:
            found = [
                (policy, rule) for policy, rule in _azure_rate_rules(stack, origin) if _azure_counts_the_proxy(rule)
            ]
        for firewall, rule in found:
            yield (
                f"{firewall.name}: rate rule {get(rule, 'name')} counts connecting addresses, but {origin.name} is "
                f"behind the proxied pool {pool.name}: every client of one Cloudflare data centre shares a counter "
                "and is blocked together. Count the forwarded client (AWS: aggregate on FORWARDED_IP, "
                "CF-Connecting-IP, for requests from Cloudflare's ranges) or leave Cloudflare's ranges out",
                firewall.urn,
            )


# --- names-derive-from-stack ----------------------------------------------------------


def _names_derive_from_stack(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    if not any(unique_names(res) for res in stack.resources):
        return
    environment, suffix = config.get("environment"), config.get("nameSuffix")
    if environment is None or suffix is None:
        # No pack config (policy/config/<stack>.json): the stack's own environment and name tell
        # (environment_of fails closed when nothing does).
        from infra.config.naming import stack_suffix

        environment = environment_of(stack, config)
        suffix = stack_suffix(stack.resources[0].stack)
    if any(res.stack == environment for res in stack.resources[:1]):
        return  # the environment's own stack keeps the environment's names
    for res in stack.resources:
        for where, name in unique_names(res):
            if str(suffix) not in name:
                yield (
                    f"{res.name}: {name!r} ({where}-unique) does not derive from the stack {res.stack}: it collides "
                    f"with the {environment} stack's. Names derive from StackNames (infra/config/naming.py)",
                    res.urn,
                )


RULES: list[Rule] = [
    StackRule(
        name="lb-monitor-path-healthy",
        area=AREA,
        description="Every load-balancer pool's monitor expects 2xx on a path its origin serves: an object the "
        "stack creates, with a Cache-Control (no-cache, no-store or max-age=0) that keeps the CDN in front of the "
        "origin from answering the probe out of its cache.",
        severity=Severity.HIGH,
        types=(POOL, MONITOR, *(token for token, _, _ in HEALTH_OBJECTS)),
        check=_monitor_path_healthy,
        cannot_see="objects uploaded outside the stack; AWS/GCP origins until their platforms declare a health path",
        remediation="One monitor per pool on ProviderPlatform.health_path (components/cloudflare/load_balancing.py); "
        "health objects with components/specs.py HEALTH_CACHE_CONTROL.",
        docs=(
            "https://developers.cloudflare.com/load-balancing/reference/common-configurations/",
            "https://developers.cloudflare.com/load-balancing/monitors/",
            "https://learn.microsoft.com/azure/frontdoor/front-door-caching",
        ),
    ),
    StackRule(
        name="origin-rate-limit-behind-proxy",
        area=AREA,
        description="An origin's rate rule behind Cloudflare's proxied load balancer counts the client address "
        "the proxy forwards (AWS WAF: FORWARDED_IP on CF-Connecting-IP), or leaves the proxy's addresses out "
        "(Front Door, which groups by socket address only): never the connecting address, which is Cloudflare's.",
        severity=Severity.HIGH,
        types=(LOAD_BALANCER, POOL, DISTRIBUTION, WEB_ACL, *AFD_ENDPOINTS, AFD_SECURITY_POLICY, AFD_WAF_POLICY),
        check=_rate_limit_behind_proxy,
        cannot_see="Worker subrequests to a pinned origin (/_origin/...), whose forwarded address is not verified; "
        "IP and country rules (split by source in components/*/waf.py, not judged here)",
        remediation="waf components take the proxy (PlatformConfig.origin_proxy): AWS splits its rate rule by "
        "source (Cloudflare's IP sets), Front Door leaves Cloudflare's ranges out of its per-socket limit.",
        docs=(
            "https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-forwarded-ip-address.html",
            "https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-aggregation-options.html",
            "https://learn.microsoft.com/azure/web-application-firewall/afds/waf-front-door-rate-limit",
            "https://developers.cloudflare.com/fundamentals/reference/http-headers/",
            "https://www.cloudflare.com/ips/",
        ),
    ),
    StackRule(
        name="names-derive-from-stack",
        area=AREA,
        description="A stack that is not its environment's own carries its stack suffix in every globally, "
        "account- or zone-unique name.",
        severity=Severity.HIGH,
        types=tuple(UNIQUE_BY_TYPE),
        check=_names_derive_from_stack,
        config={
            "environment": {"type": "string", "enum": ["dev", "staging", "prod"]},
            "nameSuffix": {"type": "string", "description": "the stack's hash suffix (infra/config/naming.py)"},
        },
        cannot_see="names taken by other customers (global names); other stacks' names (check --all-stacks)",
        remediation="Derive names from ctx.prefix / config.names (infra/config/naming.StackNames).",
        docs=(
            "https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules",
            "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
            "https://www.pulumi.com/docs/iac/concepts/stacks/",
        ),
    ),
]
