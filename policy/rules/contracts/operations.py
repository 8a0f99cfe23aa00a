"""Deploy contracts of operations: alarms that exist, can fire, and reach someone.

- `errors-alarmed`: every function and CDN has an error alarm wired to a channel that delivers
  (an SNS topic with a subscription, a GCP alert policy with notification channels, an Azure
  action group with receivers, App Platform alert e-mails), and every load-balancer pool a
  health notification;
- `alarm-metric-published` (AWS): an alarm or dashboard reads a metric that exists where it looks
  and is published at all. CloudFront and billing metrics exist only in us-east-1, and an alarm
  sees only its own region's metrics and notifies only its own region's topics (an alarm in the
  wrong region sits at OK forever with missing data treated as not breaching); CloudFront's
  additional metrics exist only with the distribution's monitoring subscription; Auto Scaling
  group metrics only when the group enables them;
- `azure-workbook-name-is-guid` and `azure-anomaly-alert-scope`: what Azure checks of a workbook
  (its name is a GUID) and of a cost anomaly alert (subscription scope, daily).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from policy.rules.base import Finding, Res, Stack, StackRule, as_json, get, items, known
from policy.rules.contracts.area import AREA

LAMBDA = "aws:lambda/function:Function"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
TOPIC_SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
GROUP = "aws:autoscaling/group:Group"
MONITORING_SUBSCRIPTION = "aws:cloudfront/monitoringSubscription:MonitoringSubscription"
GCP_FUNCTION = "gcp:cloudfunctionsv2/function:Function"
GCP_BACKEND_BUCKET = "gcp:compute/backendBucket:BackendBucket"
GCP_URL_MAP = "gcp:compute/uRLMap:URLMap"
GCP_ALERT = "gcp:monitoring/alertPolicy:AlertPolicy"
AZURE_APP = "azure-native:web:WebApp"
AZURE_FRONT_DOOR = "azure-native:cdn:Profile"
AZURE_ALERT = "azure-native:monitor:MetricAlert"
AZURE_ACTION_GROUP = "azure-native:monitor:ActionGroup"
AZURE_WORKBOOK = "azure-native:applicationinsights:Workbook"
AZURE_INSIGHTS = "azure-native:applicationinsights:Component"
INSIGHTS_FAILED = "requests/failed"
AZURE_SCHEDULED_ACTIONS = (
    "azure-native:costmanagement:ScheduledActionByScope",
    "azure-native:costmanagement:ScheduledAction",
)
DO_APP = "digitalocean:index/app:App"
CF_POOL = "cloudflare:index/loadBalancerPool:LoadBalancerPool"
CF_NOTIFICATION = "cloudflare:index/notificationPolicy:NotificationPolicy"

GLOBAL_REGION = "us-east-1"
GLOBAL_NAMESPACES = ("AWS/CloudFront", "AWS/Billing")
# Published only with the distribution's monitoring subscription (CloudFront's "additional metrics").
CLOUDFRONT_ADDITIONAL = frozenset(
    {
        "CacheHitRate",
        "OriginLatency",
        "401ErrorRate",
        "403ErrorRate",
        "404ErrorRate",
        "502ErrorRate",
        "503ErrorRate",
        "504ErrorRate",
    }
)
AZURE_RECEIVERS = ("emailReceivers", "smsReceivers", "webhookReceivers", "azureAppPushReceivers", "voiceReceivers")


# --- reading alarms ---------------------------------------------------------------------


def _aws_metrics(alarm: Res) -> list[tuple[Any, Any, Mapping[str, Any]]]:
    """(namespace, metric, dimensions) of an alarm: its metric, or every metric of its metric math."""
    found = []
    if alarm.get("metricName"):
        found.append((alarm.get("namespace"), alarm.get("metricName"), alarm.get("dimensions", default={})))
    for query in items(alarm.props, "metricQueries"):
        metric = get(query, "metric")
        if isinstance(metric, Mapping):
            found.append((get(metric, "namespace"), get(metric, "metricName"), get(metric, "dimensions", default={})))
    return found


def _names(res: Res, alarm: Res, dimension: str, *props: str) -> bool:
    """Whether the alarm's metrics name `res` (by dependency, else by the dimension's value)."""
    if any(alarm.depends_on(p, res.urn) for p in ("dimensions", "metricQueries", *props)):
        return True
    values = {res.get(k) for k in ("name", "id") if known(res.get(k)) and res.get(k)} | {res.name}
    return any(get(dims, dimension) in values for _, _, dims in _aws_metrics(alarm))


def _delivers(stack: Stack, alarm: Res) -> bool:
    """An alarm's actions reach a topic with at least one subscription (unknown topics count as reaching)."""
    actions = [a for a in items(alarm.props, "alarmActions")]
    if not actions:
        return False
    topics = [t for t in stack.of(TOPIC) if alarm.depends_on("alarmActions", t.urn)]
    if not topics:
        return any(not known(a) for a in actions)
    return any(stack.attached(t, TOPIC_SUBSCRIPTION, "topic") for t in topics)


def _aws_errors(stack: Stack) -> Iterator[Finding]:
    alarms = stack.of(ALARM)
    for function in stack.of(LAMBDA):
        watching = [
            a
            for a in alarms
            if any(ns == "AWS/Lambda" and m == "Errors" for ns, m, _ in _aws_metrics(a))
            and _names(function, a, "FunctionName")
        ]
        yield from _verdict(function, "function errors", watching, [a for a in watching if _delivers(stack, a)])
    for distribution in stack.of(DISTRIBUTION):
        watching = [
            a
            for a in alarms
            if any(ns == "AWS/CloudFront" and m in ("5xxErrorRate", "TotalErrorRate") for ns, m, _ in _aws_metrics(a))
            and _names(distribution, a, "DistributionId")
        ]
        yield from _verdict(distribution, "CDN 5xx rate", watching, [a for a in watching if _delivers(stack, a)])


def _verdict(res: Res, what: str, watching: list[Res], delivering: list[Res]) -> Iterator[Finding]:
    if not watching:
        yield f"{res.name}: no alarm on its {what}: failures go unnoticed", res.urn
    elif not delivering:
        yield (
            f"{res.name}: its {what} alarm ({', '.join(a.name for a in watching)}) notifies no channel that "
            "delivers (no action, or a topic without subscriptions)",
            res.urn,
        )


def _gcp_filters(policy: Res) -> list[Any]:
    return [get(c, "conditionThreshold", "filter") for c in items(policy.props, "conditions")]


def _gcp_errors(stack: Stack) -> Iterator[Finding]:
    policies = stack.of(GCP_ALERT)

    def watching(target: Res, service: str, needle: str, *handles: Res) -> list[Res]:
        names = {str(h.get("name")) for h in (target, *handles) if known(h.get("name")) and h.get("name")}
        found = []
        for policy in policies:
            filters = _gcp_filters(policy)
            readable = [f for f in filters if known(f) and f]
            refers = any(policy.depends_on("conditions", h.urn) for h in (target, *handles)) or any(
                n in str(f) for f in readable for n in names
            )
            errors = any(service in str(f) and needle in str(f) for f in readable) or (filters and not readable)
            if refers and errors:
                found.append(policy)
        return found

    def delivering(found: list[Res]) -> list[Res]:
        return [p for p in found if items(p.props, "notificationChannels") or not known(p.get("notificationChannels"))]

    for function in stack.of(GCP_FUNCTION):
        found = watching(function, "run.googleapis.com", "5xx")
        yield from _verdict(function, "function errors", found, delivering(found))
    for backend in stack.of(GCP_BACKEND_BUCKET):
        if backend.get("enableCdn") is not True:
            continue
        url_maps = [m for m in stack.of(GCP_URL_MAP) if m.depends_on("defaultService", backend.urn)]
        found = watching(backend, "loadbalancing.googleapis.com", "response_code_class", *url_maps)
        yield from _verdict(backend, "CDN 5xx rate", found, delivering(found))


def _azure_errors(stack: Stack) -> Iterator[Finding]:
    alerts = stack.of(AZURE_ALERT)
    groups = stack.of(AZURE_ACTION_GROUP)

    def delivering(found: list[Res]) -> list[Res]:
        good = []
        for alert in found:
            targets = [g for g in groups if alert.depends_on("actions", g.urn)]
            if any(any(items(g.props, r) for r in AZURE_RECEIVERS) for g in targets) or (
                items(alert.props, "actions") and not targets
            ):
                good.append(alert)
        return good

    def watching(target: Res, metrics: tuple[str, ...]) -> list[Res]:
        return [
            a
            for a in alerts
            if a.depends_on("scopes", target.urn)
            and any(get(c, "metricName") in metrics for c in items(a.props, "criteria", "allOf"))
        ]

    components = stack.of(AZURE_INSIGHTS)
    for app in stack.of(AZURE_APP):
        if "functionapp" not in str(app.get("kind", default="")):
            continue
        # The app's Application Insights (its APPLICATIONINSIGHTS_CONNECTION_STRING setting) counts failed
        # requests on every plan; the App Service Http5xx metric may not exist on Flex Consumption.
        linked = [c for c in components if app.depends_on("siteConfig", c.urn)]
        found = [a for c in linked for a in watching(c, (INSIGHTS_FAILED,))]
        if app.get("functionAppConfig") is None:
            found += watching(app, ("Http5xx",))
        what = "function errors"
        if not found:
            what += f" ({INSIGHTS_FAILED} of its Application Insights; Flex Consumption may not publish Http5xx)"
        yield from _verdict(app, what, found, delivering(found))
    for profile in stack.of(AZURE_FRONT_DOOR):
        found = watching(profile, ("Percentage5XX",))
        yield from _verdict(profile, "CDN 5xx rate", found, delivering(found))


def _digitalocean_errors(stack: Stack) -> Iterator[Finding]:
    for app in stack.of(DO_APP):
        for function in items(app.props, "spec", "functions"):
            alerts = [
                a
                for a in items(function, "alerts")
                if str(get(a, "rule", default="")).startswith("FUNCTIONS_ERROR") and not get(a, "disabled")
            ]
            if not alerts:
                yield f"{app.name}: function {get(function, 'name')} has no error alert: failures go unnoticed", app.urn
            elif not any(
                items(a, "destinations", "emails") or items(a, "destinations", "slackWebhooks") for a in alerts
            ):
                yield f"{app.name}: function {get(function, 'name')}'s error alert has no destination", app.urn


def _cloudflare_pools(stack: Stack) -> Iterator[Finding]:
    policies = [p for p in stack.of(CF_NOTIFICATION) if p.get("alertType") == "load_balancing_health_alert"]
    for pool in stack.of(CF_POOL):
        watching = [
            p
            for p in policies
            if p.depends_on("filters", pool.urn) or pool.get("id") in items(p.props, "filters", "poolIds")
        ]
        delivering = [
            p for p in watching if items(p.props, "mechanisms", "emails") or items(p.props, "mechanisms", "webhooks")
        ]
        yield from _verdict(pool, "health (a load_balancing_health_alert notification)", watching, delivering)


def _errors_alarmed(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    yield from _aws_errors(stack)
    yield from _gcp_errors(stack)
    yield from _azure_errors(stack)
    yield from _digitalocean_errors(stack)
    yield from _cloudflare_pools(stack)


# --- alarm-metric-published -------------------------------------------------------------


def _region(res: Res) -> Any:
    return res.get("region") or res.provider_props.get("region")


def _subscribed(stack: Stack) -> tuple[set[str], set[str]]:
    """(distribution urns, distribution ids) with an enabled monitoring subscription."""
    urns, ids = set(), set()
    for sub in stack.of(MONITORING_SUBSCRIPTION):
        status = get(
            sub.props,
            "monitoringSubscription",
            "realtimeMetricsSubscriptionConfig",
            "realtimeMetricsSubscriptionStatus",
        )
        if status == "Disabled":
            continue
        urns |= {d.urn for d in stack.of(DISTRIBUTION) if sub.depends_on("distributionId", d.urn)}
        if known(sub.get("distributionId")) and sub.get("distributionId"):
            ids.add(str(sub.get("distributionId")))
    return urns, ids


def _group_metrics(stack: Stack) -> dict[str, set[str]]:
    """Group name (and urn) -> the group metrics it enables."""
    found: dict[str, set[str]] = {}
    for group in stack.of(GROUP):
        enabled = {str(m) for m in items(group.props, "enabledMetrics")}
        for key in (group.urn, group.get("name")):
            if known(key) and key:
                found[str(key)] = enabled
    return found


def _metric_problems(
    stack: Stack, where: Res, namespace: Any, metric: Any, dims: Mapping[str, Any], region: Any, refs: set[str]
) -> Iterator[str]:
    """What keeps one metric an alarm or widget reads from having data where it looks."""
    if namespace in GLOBAL_NAMESPACES and known(region) and region and region != GLOBAL_REGION:
        yield f"reads {namespace} {metric} in {region}: {namespace} metrics exist only in {GLOBAL_REGION}"
    if namespace == "AWS/CloudFront" and metric in CLOUDFRONT_ADDITIONAL:
        urns, ids = _subscribed(stack)
        distribution = dims.get("DistributionId")
        named = {d.urn for d in stack.of(DISTRIBUTION) if d.urn in refs}
        if known(distribution) and not (str(distribution) in ids or (named and named <= urns)):
            yield f"reads CloudFront {metric}, published only with the distribution's monitoring subscription"
    if namespace == "AWS/AutoScaling" and str(metric).startswith("Group"):
        enabled = _group_metrics(stack)
        group = dims.get("AutoScalingGroupName")
        keys = [str(group)] if known(group) and group else [u for u in refs if u in enabled]
        for key in keys:
            if key in enabled and metric not in enabled[key]:
                yield f"reads {metric} of {key}, which the group does not enable (enabledMetrics)"


def _widget_metrics(widget: Mapping[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for row in get(widget, "properties", "metrics", default=[]) or []:
        if not isinstance(row, list) or len(row) < 2 or not all(isinstance(v, str) for v in row[:2]):
            continue
        fields = [v for v in row[2:] if not isinstance(v, Mapping)]
        yield row[0], row[1], dict(zip(fields[::2], fields[1::2], strict=False))


def _alarm_published(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    topics = stack.of(TOPIC)
    for alarm in stack.of(ALARM):
        region = _region(alarm)
        refs = set(alarm.property_dependencies.get("dimensions", [])) | set(
            alarm.property_dependencies.get("metricQueries", [])
        )
        for namespace, metric, dims in _aws_metrics(alarm):
            for problem in _metric_problems(stack, alarm, namespace, metric, dict(dims or {}), region, refs):
                yield f"{alarm.name}: {problem}", alarm.urn
        for topic in [t for t in topics if alarm.depends_on("alarmActions", t.urn)]:
            topic_region = _region(topic)
            if known(region) and known(topic_region) and region and topic_region and region != topic_region:
                yield (
                    f"{alarm.name}: in {region}, it notifies {topic.name} in {topic_region}: an alarm's actions "
                    "must be in its own region",
                    alarm.urn,
                )
    for dashboard in stack.of(DASHBOARD):
        body = as_json(dashboard.get("dashboardBody"))
        if not isinstance(body, Mapping):
            continue
        refs = set(dashboard.property_dependencies.get("dashboardBody", []))
        for widget in items(body, "widgets"):
            region = get(widget, "properties", "region") or _region(dashboard)
            for namespace, metric, dims in _widget_metrics(widget):
                for problem in _metric_problems(stack, dashboard, namespace, metric, dims, region, refs):
                    title = get(widget, "properties", "title")
                    yield f"{dashboard.name}: widget {title!r} {problem}", dashboard.urn


# --- Azure shapes ------------------------------------------------------------------------


def _workbook_guid(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for workbook in stack.of(AZURE_WORKBOOK):
        name = workbook.get("resourceName")
        if not known(name):
            continue
        try:
            uuid.UUID(str(name))
        except ValueError:
            yield (
                f"{workbook.name}: resource name {name!r} is not a GUID, which Azure requires of a workbook",
                workbook.urn,
            )


def _anomaly_alert_scope(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for action in stack.of(*AZURE_SCHEDULED_ACTIONS):
        if action.get("kind") != "InsightAlert":
            continue
        scope, frequency = action.get("scope"), get(action.props, "schedule", "frequency")
        parts = str(scope).strip("/").split("/") if known(scope) and scope else []
        if parts and (len(parts) != 2 or parts[0].lower() != "subscriptions"):
            yield f"{action.name}: an anomaly alert (InsightAlert) at scope {scope!r}: only a subscription", action.urn
        if known(frequency) and frequency != "Daily":
            yield f"{action.name}: an anomaly alert (InsightAlert) runs {frequency}: only Daily", action.urn


RULES: list[StackRule] = [
    StackRule(
        name="errors-alarmed",
        area=AREA,
        description="Every function and CDN has an error alarm wired to a channel that delivers (an SNS topic with "
        "a subscription, a GCP alert policy with notification channels, an Azure action group with receivers, "
        "App Platform alert e-mails); every edge load-balancer pool has a health notification.",
        severity=Severity.HIGH,
        types=(
            LAMBDA,
            DISTRIBUTION,
            ALARM,
            TOPIC,
            TOPIC_SUBSCRIPTION,
            GCP_FUNCTION,
            GCP_BACKEND_BUCKET,
            GCP_URL_MAP,
            GCP_ALERT,
            AZURE_APP,
            AZURE_INSIGHTS,
            AZURE_FRONT_DOOR,
            AZURE_ALERT,
            AZURE_ACTION_GROUP,
            DO_APP,
            CF_POOL,
            CF_NOTIFICATION,
        ),
        check=_errors_alarmed,
        cannot_see="subscriptions confirmed by their recipients; Cloudflare Workers and the DigitalOcean Spaces CDN, "
        "which publish no error metric to alarm on (the edge's pool-health notification covers the CDN)",
        remediation="components/<provider>/monitoring.py (thresholds in qmoi-cloud:alerts); DigitalOcean function "
        "alerts in components/digitalocean/functions.py.",
        docs=(
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html",
            "https://cloud.google.com/monitoring/alerts/using-alerting-ui",
            "https://learn.microsoft.com/azure/azure-monitor/alerts/action-groups",
            "https://learn.microsoft.com/azure/azure-functions/monitor-functions",
            "https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-insights-components-metrics",
            "https://docs.digitalocean.com/products/app-platform/how-to/create-alerts/",
            "https://developers.cloudflare.com/load-balancing/reference/load-balancing-notifications/",
        ),
    ),
    StackRule(
        name="alarm-metric-published",
        area=AREA,
        description="An AWS alarm or dashboard widget reads a metric that is published where it looks: CloudFront "
        "and billing metrics in us-east-1 only, alarm actions in the alarm's region, CloudFront's additional "
        "metrics only with the distribution's monitoring subscription, group metrics only when the group "
        "enables them. Otherwise the alarm sits at OK (missing data is not breaching) and the panel is empty.",
        severity=Severity.HIGH,
        types=(ALARM, TOPIC, DASHBOARD, DISTRIBUTION, MONITORING_SUBSCRIPTION, GROUP),
        check=_alarm_published,
        cannot_see="metrics from another account or stack; regions unknown at preview",
        remediation="region='us-east-1' on CloudFront alarms with a topic there (components/aws/monitoring.py), "
        "aws.cloudfront.additional_metrics, enabled_metrics on the groups (components/aws/compute.py).",
        docs=(
            "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/programming-cloudwatch-metrics.html",
            "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html",
            "https://docs.aws.amazon.com/AmazonCloudFront/latest/APIReference/API_CreateMonitoringSubscription.html",
            "https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-metrics.html",
        ),
    ),
    StackRule(
        name="azure-workbook-name-is-guid",
        area=AREA,
        description="An Azure Monitor workbook's resource name is a GUID (derived from the stack, so it is the same "
        "on every run).",
        severity=Severity.MEDIUM,
        types=(AZURE_WORKBOOK,),
        check=_workbook_guid,
        cannot_see="names computed from values unknown at preview",
        remediation="components/azure/dashboard.py workbook_name (uuid5 of subscription and stack).",
        docs=("https://learn.microsoft.com/azure/azure-monitor/visualize/resource-manager-workbooks",),
    ),
    StackRule(
        name="azure-anomaly-alert-scope",
        area=AREA,
        description="A Cost Management anomaly alert (scheduled action of kind InsightAlert) is at subscription "
        "scope and runs daily: the only combination Azure accepts.",
        severity=Severity.MEDIUM,
        types=AZURE_SCHEDULED_ACTIONS,
        check=_anomaly_alert_scope,
        cannot_see="whether the deploying identity keeps Cost Management Reader (alerts are sent with its access)",
        remediation="components/azure/budget.py (scope subscriptions/<id>, frequency Daily).",
        docs=(
            "https://learn.microsoft.com/rest/api/cost-management/scheduled-actions/create-or-update-by-scope",
            "https://learn.microsoft.com/azure/cost-management-billing/understand/analyze-unexpected-charges",
        ),
    ),
]
