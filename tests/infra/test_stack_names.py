"""Names that derive from the stack (infra/config/naming.StackNames), without Pulumi."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infra.config import ConfigError, load_stack_file, naming, validate
from tests.conftest import MINIMAL

STACK_NAME = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,60}", fullmatch=True)


def test_the_environments_own_stack_keeps_the_environments_names():
    names = naming.StackNames("dev", "dev")
    assert names.primary and names.token == "dev" and names.prefix == "qmoi-dev"
    assert names.bucket("qmoi-cloud-storage", "media") == "qmoi-cloud-storage-dev-media"
    assert names.storage_account("qmoistorage") == "qmoistoragedev"
    assert names.hostname("app-dev.qmoi.ai", ["qmoi.ai"]) == "app-dev.qmoi.ai"


def test_any_other_stack_gets_its_slug_and_a_stable_hash_in_every_name():
    names = naming.StackNames("pr-42", "dev")
    suffix = naming.stack_suffix("pr-42")
    assert names.token == f"pr-42-{suffix}" and len(suffix) == 6
    assert names.bucket("qmoi-cloud-storage", "media") == f"qmoi-cloud-storage-pr-42-{suffix}-media"
    assert names.storage_account("qmoistorage", "med") == f"qmoistoragepr42med{suffix}"
    assert names.hostname("app-dev.qmoi.ai", ["qmoi.ai"]) == f"app-dev-pr-42-{suffix}.qmoi.ai"
    assert names.hostname("qmoi.ai", ["qmoi.ai"]) == f"pr-42-{suffix}.qmoi.ai"
    assert names.hostname("*.media.qmoi.ai", ["qmoi.ai"]) == f"*.media-pr-42-{suffix}.qmoi.ai"


def test_stack_names_that_slug_alike_still_differ():
    assert naming.StackNames("PR_42", "dev").token != naming.StackNames("pr-42", "dev").token


@settings(max_examples=60, deadline=None)
@given(stack=STACK_NAME, role=st.sampled_from(["", "fn", "med"]))
def test_every_derived_name_is_valid_for_its_provider(stack, role):
    names = naming.StackNames(stack, "staging")
    assert naming.azure_storage_account_problem(names.storage_account("qmoistorage", role)) is None
    for cls in ("artifacts", "caches", "backups", "media", "logs"):
        assert naming.s3_bucket_problem(names.bucket("qmoi-cloud-storage", cls)) is None
        assert naming.r2_bucket_problem(names.bucket("qmoi-cloud-storage", cls)) is None
    assert len(f"{names.prefix}-tiers") <= 30  # a GCP service account id
    host = names.hostname("app-staging.qmoi.ai", ["qmoi.ai"])
    assert naming.domain_problem(host) is None and all(len(label) <= 63 for label in host.split("."))


def test_a_stack_not_named_after_an_environment_is_told_to_set_one():
    raw = copy.deepcopy(MINIMAL)
    with pytest.raises(ConfigError) as caught:
        validate(raw, "pr-42")
    (problem,) = caught.value.problems
    assert problem.startswith("environment: the stack 'pr-42' is not named after an environment")
    assert "qmoi-cloud:environment: dev, staging or prod" in problem


def test_a_review_copy_of_dev_serves_its_own_hostnames():
    config = validate(load_stack_file("dev").platform, "pr-42")
    token = config.names.token
    assert config.stack == "pr-42" and config.environment.value == "dev" and not config.owns_zone_settings
    assert config.cloudflare.zones[0].hostnames == [f"www-dev-{token}.qmoi.ai"]
    assert config.cloudflare.workers["edge_router"].routes == [f"app-dev-{token}.qmoi.ai/*"]
    assert config.cloudflare.load_balancer.hostname == f"app-dev-{token}.qmoi.ai"
    assert config.aws.cloudfront.domains == [f"dev-{token}.qmoi.ai", f"dev-{token}.qmoi.cloud"]
    assert config.azure.cdn.domains == [f"dev-{token}.assets.qmoi.ai"]
