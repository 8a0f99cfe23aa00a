"""Configuration that the deploy contracts of AWS and Google Cloud need (issue 12).

- a tier that scales to zero needs a signal that exists at zero instances (a schedule);
- media is user content: versioned, and never moved to a colder class while a CDN serves it;
- a GCP project per environment (budgets count a whole project), required, never defaulted;
- flow logs and the NAT layout are environment data.
"""

from __future__ import annotations

import pytest

from infra.config import ConfigError, load_stack_file, validate
from infra.config.profiles import PROFILES
from tests.conftest import MINIMAL, make_config

GCP = {"enabled": True, "project_id": "qmoi-test-dev", "billing_account": "01A2B3-C4D5E6-F7A8B9"}


def problems(environment: str = "dev", **blocks) -> list[str]:
    with pytest.raises(ConfigError) as error:
        make_config(environment, **blocks)
    return error.value.problems


def test_a_tier_with_min_zero_and_no_schedule_is_refused_naming_the_key_and_the_fix():
    found = problems(autoscaling={"gpu": {"min": 0, "desired": 0, "max": 1, "schedule": None}})
    (problem,) = [p for p in found if p.startswith("autoscaling.gpu")]
    assert "min 0 needs a signal that exists with no instance" in problem
    assert "schedule" in problem and "min >= 1" in problem


def test_a_schedule_on_a_tier_that_never_reaches_zero_is_refused():
    found = problems(
        autoscaling={"compute": {"schedule": {"days": "MON-FRI", "start_hour": 9, "end_hour": 11}}},
    )
    assert any(p.startswith("autoscaling.compute") and "only for a tier with min 0" in p for p in found)


def test_a_schedule_must_end_after_it_starts_on_valid_days():
    found = problems(autoscaling={"gpu": {"schedule": {"days": "MONDAY"}}})
    assert any(p.startswith("autoscaling.gpu.schedule.days: 'MONDAY' does not match") for p in found)
    found = problems(autoscaling={"gpu": {"schedule": {"start_hour": 12, "end_hour": 9}}})
    assert any(p.startswith("autoscaling.gpu.schedule") and "end_hour must be after start_hour" in p for p in found)


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_every_profile_tier_that_scales_to_zero_has_a_schedule(environment):
    config = make_config(environment)
    for tier in ("compute", "gpu", "memory"):
        scaling = getattr(config.autoscaling, tier)
        assert (scaling.min == 0) == (scaling.schedule is not None), (environment, tier)


def test_the_cost_model_counts_at_least_the_scheduled_hours():
    gpu = make_config("dev").autoscaling.gpu
    assert gpu.schedule is not None
    hours = gpu.schedule.hours_per_month
    assert hours == pytest.approx(5 * (gpu.schedule.end_hour - gpu.schedule.start_hour) * 52 / 12)
    assert gpu.busy_hours == max(hours, gpu.busy_hours_per_month)


def test_media_is_versioned_and_stays_in_the_standard_class_by_default():
    media = make_config("dev").storage.media
    assert media.versioning is True
    assert media.infrequent_after_days is None and media.archive_after_days is None


def test_an_enabled_gcp_block_needs_its_own_project():
    found = problems(gcp={k: v for k, v in GCP.items() if k != "project_id"})
    (problem,) = [p for p in found if p.startswith("gcp")]
    assert problem.startswith("gcp: project_id is required when gcp is enabled")
    assert "one project per environment" in problem


def test_the_shipped_stacks_use_one_gcp_project_each():
    projects = [load_stack_file(s).platform["gcp"]["project_id"] for s in ("dev", "staging", "prod")]
    assert len(set(projects)) == 3


def test_flow_logs_and_nat_layout_are_environment_data():
    assert PROFILES["prod"]["network"]["flow_logs"]["all_traffic"] is True
    dev, prod = make_config("dev"), make_config("prod")
    assert dev.network.flow_logs.all_traffic is False and dev.network.flow_logs.interval_minutes == 10
    assert prod.network.flow_logs.interval_minutes < dev.network.flow_logs.interval_minutes
    assert dev.network.flow_logs.sampling < prod.network.flow_logs.sampling
    assert prod.aws.network.nat_per_zone is True


def test_minimal_config_still_validates_in_every_environment():
    for environment in ("dev", "staging", "prod"):
        assert validate(dict(MINIMAL), environment).environment.value == environment
