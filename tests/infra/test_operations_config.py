"""Configuration of operations intelligence: predictive modes per tier, CloudFront's additional metrics."""

from __future__ import annotations

import pytest

from infra.config import ConfigError, PredictiveMode
from tests.conftest import make_config

AT_ZERO = {"min": 0, "desired": 0, "schedule": {"days": "MON-FRI", "start_hour": 9, "end_hour": 11}}


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ("dev", {"compute": "forecast", "gpu": "off", "memory": "off"}),
        ("staging", {"compute": "forecast", "gpu": "off", "memory": "forecast"}),
        ("prod", {"compute": "scale", "gpu": "scale", "memory": "scale"}),
    ],
)
def test_profiles_forecast_outside_prod_scale_in_prod_and_never_predict_at_zero(environment, expected):
    config = make_config(environment)
    assert {t: getattr(config.autoscaling, t).predictive.value for t in expected} == expected


def test_a_tier_that_can_sit_at_zero_cannot_predict_and_the_error_names_the_key_path():
    with pytest.raises(ConfigError) as raised:
        make_config("prod", autoscaling={"gpu": AT_ZERO})
    (problem,) = raised.value.problems
    assert problem.startswith("autoscaling.gpu: predictive: scale needs min >= 1")
    assert "set predictive: off" in problem
    allowed = make_config("prod", autoscaling={"gpu": {**AT_ZERO, "predictive": "off"}})
    assert allowed.autoscaling.gpu.predictive is PredictiveMode.off


def test_an_unknown_predictive_mode_is_refused_with_the_allowed_ones():
    with pytest.raises(ConfigError) as raised:
        make_config("dev", autoscaling={"compute": {"predictive": "always"}})
    (problem,) = raised.value.problems
    assert problem.startswith("autoscaling.compute.predictive: 'always' is not allowed")
    assert "'off', 'forecast' or 'scale'" in problem


def test_prod_subscribes_to_cloudfronts_additional_metrics_and_a_stack_can_opt_out():
    assert make_config("prod").aws.cloudfront.additional_metrics is True
    assert make_config("dev").aws.cloudfront.additional_metrics is False
    opted_out = make_config("prod", aws={"cloudfront": {"additional_metrics": False}})
    assert opted_out.aws.cloudfront.additional_metrics is False
