"""The configuration model, without Pulumi: every error names the key path, the value and what is allowed."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from infra.config import ConfigError, Provider, validate
from tests.conftest import MINIMAL, make_config

SEED_AWS: dict[str, Any] = {
    "enabled": True,
    "region": "us-east-1",
    "s3_bucket": "qmoi-cloud-storage",
    "ec2_instances": {"compute": "t3.xlarge", "gpu": "g4dn.xlarge", "memory": "r5.xlarge"},
    "lambda_functions": {"revenue_processing": True, "ai_inference": True, "data_analysis": True},
    "cloudfront": {"enabled": True, "domains": ["qmoi.ai", "qmoi.cloud"]},
}


def problems(stack: str = "dev", **blocks) -> list[str]:
    raw = copy.deepcopy(MINIMAL) | blocks
    with pytest.raises(ConfigError) as caught:
        validate(raw, stack)
    return caught.value.problems


def test_the_seed_aws_block_is_valid_as_written():
    config = make_config(aws=SEED_AWS)
    assert config.aws.ec2_instances.gpu == "g4dn.xlarge"
    assert config.enabled_providers == [Provider.aws]


def test_the_environment_comes_from_the_stack_and_selects_the_profile():
    dev, prod = make_config("dev"), make_config("prod")
    assert (dev.autoscaling.gpu.min, dev.autoscaling.gpu.capacity.value) == (0, "spot")
    assert prod.autoscaling.compute.min >= 2 and prod.protect_stateful
    assert not dev.protect_stateful and not dev.network.nat_gateway


def test_a_stack_value_overrides_one_profile_value_and_keeps_the_rest():
    config = make_config("dev", autoscaling={"gpu": {"max": 3}})
    assert (config.autoscaling.gpu.min, config.autoscaling.gpu.max) == (0, 3)


def test_a_typo_in_a_key_names_the_path_and_the_allowed_keys():
    (problem,) = problems(aws={**SEED_AWS, "ec2_instance": {}})
    assert problem.startswith("aws.ec2_instance: unknown key; expected one of:")
    assert "ec2_instances" in problem and "lambda_functions" in problem


def test_an_unknown_top_level_block_is_rejected():
    (problem,) = problems(azuer={"enabled": True})
    assert problem.startswith("azuer: unknown key") and "azure" in problem


def test_an_unknown_instance_type_names_the_tier_and_suggests_the_nearest_types():
    (problem,) = problems(aws={**SEED_AWS, "ec2_instances": {**SEED_AWS["ec2_instances"], "compute": "t3.xlargee"}})
    assert problem.startswith("aws.ec2_instances.compute: 't3.xlargee' is not an instance size of aws; did you mean")
    assert "'t3.xlarge'" in problem


def test_a_gpu_tier_without_a_gpu_is_rejected():
    (problem,) = problems(aws={**SEED_AWS, "ec2_instances": {**SEED_AWS["ec2_instances"], "gpu": "t3.xlarge"}})
    assert problem == "aws.ec2_instances.gpu: 't3.xlarge' has no GPU; the gpu tier needs a GPU size"


def test_a_region_that_does_not_exist_is_rejected_and_one_without_prices_is_not():
    (problem,) = problems(aws={**SEED_AWS, "region": "us-east-9"})
    assert problem.startswith("aws.region: 'us-east-9' is not a region of aws; did you mean") and "us-east-1" in problem
    assert make_config("dev", aws={**SEED_AWS, "region": "sa-east-1"}).aws.region == "sa-east-1"


def test_the_seed_gcp_gpu_value_explains_that_a_gpu_is_a_machine_type_plus_an_accelerator():
    found = problems(
        gcp={"compute_instances": {"cpu": "n1-standard-8", "gpu": "n1-standard-4-gpu", "memory": "n1-highmem-16"}}
    )
    (problem,) = [p for p in found if "compute_instances.gpu" in p]
    assert "'n1-standard-4-gpu' is not a GCP machine type" in problem
    assert "machine_type: n1-standard-4, accelerator: nvidia-tesla-t4" in problem


def test_the_seed_azure_subscription_explains_that_it_must_be_a_guid():
    found = problems(azure={"subscription_id": "qmoi-subscription"})
    assert any(p.startswith("azure.subscription_id: 'qmoi-subscription'") and "GUID" in p for p in found)


def test_bucket_names_follow_each_provider_rules():
    (problem,) = problems(aws={**SEED_AWS, "s3_bucket": "QMOI_Storage"})
    assert problem.startswith("aws.s3_bucket: 'QMOI_Storage' is not valid: an S3 bucket name has 3-63 characters")
    found = problems(azure={"storage_account": "qmoi-storage"})
    assert any(p.startswith("azure.storage_account: 'qmoi-storage' is not valid") and "3-24" in p for p in found)


def test_derived_bucket_names_must_fit_the_length_limit():
    (problem,) = problems(aws={**SEED_AWS, "s3_bucket": "q" * 55})
    assert problem.startswith("aws.s3_bucket:") and "too long" in problem


def test_min_desired_max_must_be_ordered():
    (problem,) = problems(autoscaling={"compute": {"min": 3, "desired": 2, "max": 4}})
    assert problem.startswith("autoscaling.compute: needs min <= desired <= max")


def test_every_problem_is_reported_at_once():
    found = problems(
        aws={**SEED_AWS, "region": 5, "ec2_instance": {}},
        budget={"monthly_usd": -1, "alert_emails": ["not-an-email"]},
        tags={"owner": "Platform Team", "cost-center": "cc"},
    )
    keys = {p.split(":")[0] for p in found}
    assert {"aws.region", "aws.ec2_instance", "budget.monthly_usd", "budget.alert_emails.0", "tags.owner"} <= keys


def test_an_enabled_function_needs_a_handler_folder():
    (problem,) = problems(aws={**SEED_AWS, "lambda_functions": {"fraud_scoring": True}})
    assert problem.startswith("aws.lambda_functions.fraud_scoring: no handler folder functions/fraud_scoring/")


def test_a_disabled_function_needs_no_handler():
    config = make_config(aws={**SEED_AWS, "lambda_functions": {"fraud_scoring": False, "ai_inference": True}})
    assert [n for n, s in config.aws.lambda_functions.items() if s.enabled] == ["ai_inference"]


def test_functions_accept_settings_as_well_as_a_flag():
    config = make_config(aws={**SEED_AWS, "lambda_functions": {"ai_inference": {"memory_mb": 1024, "timeout_s": 60}}})
    spec = config.aws.lambda_functions["ai_inference"]
    assert (spec.enabled, spec.memory_mb, spec.timeout_s) == (True, 1024, 60)


def test_budget_is_split_among_enabled_budget_providers_and_explicit_limits_must_fit():
    assert make_config(aws=SEED_AWS).budget_limits() == {Provider.aws: 1000.0}
    (problem,) = problems(aws={**SEED_AWS, "budget_usd": 5000})
    assert problem.startswith("budget.provider_limits: the provider limits add up to 5000.00 USD")


def test_tags_are_the_required_five_on_every_provider():
    assert make_config().tags_for() == {
        "environment": "dev",
        "stack": "dev",
        "project": "qmoi-cloud",
        "owner": "platform-team",
        "cost-center": "cc-1042",
    }


def test_extra_tags_cannot_override_the_tags_the_stack_sets():
    (problem,) = problems(tags={"owner": "platform-team", "cost-center": "cc", "extra": {"stack": "dev", "team": "x"}})
    assert problem.startswith("tags: extra may not set stack:")


def test_buckets_are_destroyed_with_their_objects_in_dev_only_and_never_in_prod():
    assert make_config("dev").force_destroy_buckets and not make_config("staging").force_destroy_buckets
    assert not make_config("prod").force_destroy_buckets
    (problem,) = problems("prod", force_destroy_buckets=True)
    assert problem.startswith("force_destroy_buckets: true is not allowed in prod")


def test_a_schedule_may_not_ask_for_more_instances_than_the_tier_s_max():
    window = {"days": "MON-FRI", "start_hour": 9, "end_hour": 11, "instances": 3}
    (problem,) = problems(autoscaling={"gpu": {"min": 0, "desired": 0, "max": 2, "schedule": window}})
    assert problem.startswith("autoscaling.gpu: schedule.instances 3 is more than max 2")


def test_a_gcp_stack_names_at_most_five_alert_emails_the_budget_can_notify():
    emails = [f"ops{i}@example.com" for i in range(6)]
    gcp = {"enabled": True, "project_id": "qmoi-test-dev", "billing_account": "01ABCD-23EF45-6789AB"}
    (problem,) = problems(budget={"monthly_usd": 100, "alert_emails": emails}, gcp=gcp)
    assert problem.startswith("budget.alert_emails: 6 addresses, and a Cloud Billing budget notifies at most 5")
    make_config(budget={"monthly_usd": 100, "alert_emails": emails})  # no GCP budget, no limit


def test_an_azure_schedule_needs_a_time_zone_azure_autoscale_knows():
    from tests.components.azure.conftest import AZURE

    azure = {**AZURE, "functions": {}}
    window = {"days": "MON-FRI", "start_hour": 9, "end_hour": 11, "time_zone": "Asia/Kathmandu"}
    found = problems(azure=azure, autoscaling={"gpu": {"min": 0, "desired": 0, "max": 1, "schedule": window}})
    assert any(
        p.startswith("autoscaling.gpu.schedule.time_zone: 'Asia/Kathmandu' has no Windows time zone") for p in found
    )


def test_load_balancer_check_regions_are_cloudflare_regions_and_never_empty():
    assert make_config().cloudflare.load_balancer.check_regions == ["ENAM"]
    (unknown,) = problems(cloudflare={"load_balancer": {"check_regions": ["MARS"]}})
    assert unknown.startswith("cloudflare.load_balancer.check_regions.0: 'MARS' is not allowed")
    (empty,) = problems(cloudflare={"load_balancer": {"check_regions": []}})
    assert empty.startswith("cloudflare.load_balancer.check_regions:")


def test_an_unknown_environment_lists_the_allowed_ones():
    found = problems("qa", environment="qa")
    assert any(p.startswith("environment: 'qa' is not allowed") and "dev" in p for p in found)
    (implied,) = problems("qa")  # a stack named qa that does not say its environment
    assert implied.startswith("environment: the stack 'qa' is not named after an environment") and "dev" in implied
