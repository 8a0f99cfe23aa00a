"""A group that never reaches its size is seen: spot and GPU groups do not fail `pulumi up` for missing capacity
or quota (by design), so an alarm on each tier's in-service count below its minimum pages the alert channel."""

from __future__ import annotations

import pytest

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
POLICY = "gcp:monitoring/alertPolicy:AlertPolicy"


def test_every_aws_group_publishes_its_desired_and_in_service_counts(prod_plan):
    groups = prod_plan.of_type("aws:autoscaling/group:Group")
    assert len(groups) == 3
    for group in groups:
        assert set(group.inputs["enabledMetrics"]) >= {"GroupDesiredCapacity", "GroupInServiceInstances"}


def test_a_prod_aws_tier_below_its_minimum_for_15_minutes_pages_the_topic(prod_plan):
    alarms = {a.name: a.inputs for a in prod_plan.of_type(ALARM) if a.name.endswith("-capacity")}
    assert set(alarms) == {f"qmoi-aws-monitoring-{t}-capacity" for t in ("compute", "gpu", "memory")}
    gpu = alarms["qmoi-aws-monitoring-gpu-capacity"]
    assert (gpu["namespace"], gpu["metricName"], gpu["statistic"]) == (
        "AWS/AutoScaling",
        "GroupInServiceInstances",
        "Minimum",
    )
    assert (gpu["comparisonOperator"], gpu["threshold"]) == ("LessThanThreshold", 2)
    assert gpu["period"] * gpu["evaluationPeriods"] == 900
    assert gpu["dimensions"] == {"AutoScalingGroupName": "qmoi-prod-gpu"}
    (action,) = gpu["alarmActions"]
    assert action.endswith(":qmoi-prod-alerts") and gpu["okActions"] == [action]


def test_a_tier_that_scales_to_zero_has_no_capacity_alarm(dev_plan):
    names = {a.name for a in dev_plan.of_type(ALARM) if a.name.endswith("-capacity")}
    assert names == {"qmoi-aws-monitoring-compute-capacity"}  # dev gpu and memory have min 0


@pytest.mark.parametrize(("stack", "tiers"), [("prod", {"compute", "gpu", "memory"}), ("dev", {"compute"})])
def test_a_gcp_tier_with_a_minimum_is_alerted_when_its_group_stays_smaller(stack_plan, stack, tiers):
    plan = stack_plan(stack)
    policies = {p.name.rsplit("-", 2)[-2]: p for p in plan.of_type(POLICY) if p.name.endswith("-capacity")}
    assert set(policies) == tiers
    condition, absent = policies["compute"].inputs["conditions"]  # below the minimum, or no data (OR)
    assert absent["conditionAbsent"]["filter"] == condition["conditionThreshold"]["filter"]
    threshold = condition["conditionThreshold"]
    assert threshold["comparison"] == "COMPARISON_LT"
    assert threshold["thresholdValue"] == plan.config.autoscaling.compute.min
    assert 'metric.type = "compute.googleapis.com/instance_group/size"' in threshold["filter"]
    assert f'instance_group_name = "qmoi-{stack}-compute"' in threshold["filter"]
    assert threshold["duration"] == "900s"
