"""A review stack (a copy of dev saved as Pulumi.pr-42.yaml) deploys and stays its own: what the review
before the first `pulumi up` found broken or shared only in stacks that are not named after their environment."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase

from infra.plan import Plan

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
KMS_KEY = "aws:kms/key:Key"


def log_key_patterns(plan: Plan, group_urn_key: str) -> list[str]:
    """The log-group ARN patterns the function-logs key lets CloudWatch Logs use it for."""
    key = next(k for k in plan.of_type(KMS_KEY) if k.urn == group_urn_key)
    statements = json.loads(key.inputs["policy"])["Statement"]
    return [
        s["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
        for s in statements
        if "logs." in str(s.get("Principal", {}).get("Service", ""))
    ]


def test_a_review_stack_s_function_log_groups_are_usable_with_its_log_key(review_plan):
    groups = review_plan.of_type(LOG_GROUP)
    assert groups
    for group in groups:
        assert group.inputs["name"].startswith(f"/aws/lambda/qmoi-{review_plan.config.names.token}-")
        (key_urn,) = group.property_dependencies["kmsKeyId"]
        (pattern,) = log_key_patterns(review_plan, key_urn)
        arn = pattern.split(":log-group:", 1)[0] + f":log-group:{group.inputs['name']}"
        assert fnmatchcase(arn, pattern), f"{group.inputs['name']} is not covered by the key grant {pattern}"


def test_the_primary_stack_keeps_its_log_key_grant_on_its_own_names(dev_plan):
    (group, *_) = dev_plan.of_type(LOG_GROUP)
    (key_urn,) = group.property_dependencies["kmsKeyId"]
    (pattern,) = log_key_patterns(dev_plan, key_urn)
    assert pattern.endswith(":log-group:/aws/lambda/qmoi-dev-*")


def test_every_resource_of_a_review_stack_carries_its_stack_tag(review_plan):
    token = review_plan.config.names.token
    assert review_plan.config.tags_for()["stack"] == token != "dev"
    groups = review_plan.of_type("aws:autoscaling/group:Group")
    assert groups and all(
        {"key": "stack", "value": token, "propagateAtLaunch": True} in g.inputs["tags"] for g in groups
    )
    templates = review_plan.of_type("gcp:compute/instanceTemplate:InstanceTemplate")
    assert templates and all(t.inputs["labels"]["stack"] == token for t in templates)


def test_a_review_stack_s_aws_budget_counts_its_own_stack_not_dev(review_plan, dev_plan):
    (budget,) = review_plan.of_type("aws:budgets/budget:Budget")
    token = review_plan.config.names.token
    assert budget.inputs["costFilters"] == [{"name": "TagKeyValue", "values": [f"user:stack${token}"]}]
    (dev_budget,) = dev_plan.of_type("aws:budgets/budget:Budget")
    assert dev_budget.inputs["costFilters"] == [{"name": "TagKeyValue", "values": ["user:stack$dev"]}]


def test_a_review_stack_s_cost_anomaly_monitor_watches_its_own_stack_not_dev(review_plan):
    token = review_plan.config.names.token
    (monitor,) = review_plan.of_type("aws:costexplorer/anomalyMonitor:AnomalyMonitor")
    assert json.loads(monitor.inputs["monitorSpecification"])["Tags"]["Key"] == "stack"
    assert json.loads(monitor.inputs["monitorSpecification"])["Tags"]["Values"] == [token]


def test_a_review_stack_s_gcp_dashboard_charts_only_its_own_instances(review_plan):
    token = review_plan.config.names.token
    (dashboard,) = review_plan.of_type("gcp:monitoring/dashboard:Dashboard")
    cpu = next(
        t
        for t in json.loads(dashboard.inputs["dashboardJson"])["mosaicLayout"]["tiles"]
        if "CPU" in t["widget"]["title"]
    )
    filters = [d["timeSeriesQuery"]["timeSeriesFilter"]["filter"] for d in cpu["widget"]["xyChart"]["dataSets"]]
    assert filters and all(f'metadata.user_labels."stack"="{token}"' in f and '"environment"' not in f for f in filters)


def test_a_review_stack_s_gcp_cpu_alerts_average_only_its_own_instances(review_plan):
    token = review_plan.config.names.token
    cpu = [p for p in review_plan.of_type("gcp:monitoring/alertPolicy:AlertPolicy") if "cpu" in p.name]
    assert len(cpu) == 3
    for policy in cpu:
        (condition,) = policy.inputs["conditions"]
        query = condition["conditionThreshold"]["filter"]
        assert f'metadata.user_labels."stack" = "{token}"' in query and '"environment"' not in query


def test_a_review_stack_sharing_the_dev_project_is_told_its_gcp_budget_counts_the_whole_project(review_plan):
    (notice,) = [n for n in review_plan.config.notices() if n.startswith("gcp.project_id")]
    assert "qmoi-enhanced-dev" in notice and "counts the whole project" in notice


BUCKETS = ("aws:s3/bucket:Bucket", "gcp:storage/bucket:Bucket", "digitalocean:index/spacesBucket:SpacesBucket")


def test_a_review_stack_is_destroyed_with_the_objects_of_every_bucket(review_plan):
    buckets = [b for t in BUCKETS for b in review_plan.of_type(t)]
    assert len(buckets) >= 12
    assert [b.name for b in buckets if b.inputs.get("forceDestroy") is not True] == []


def test_prod_keeps_the_objects_of_every_bucket_but_caches_on_destroy(prod_plan):
    forced = {b.name for t in BUCKETS for b in prod_plan.of_type(t) if b.inputs.get("forceDestroy")}
    assert forced and all(name.endswith("-caches") for name in forced)
    logs = [b for t in BUCKETS for b in prod_plan.of_type(t) if b.name.endswith("-logs")]
    assert logs and not any(b.inputs.get("forceDestroy") for b in logs)
