"""GCP functions and CDN on the mock runtime: identities, ingress, scaling, source upload, the media
bucket behind Cloud CDN, TLS policy, HTTP redirect."""

from __future__ import annotations

import pytest

from components.context import StackContext
from components.gcp.cdn import GcpCdn, GcpCdnArgs
from components.gcp.functions import MAX_INSTANCES, GcpFunctions, GcpFunctionsArgs, service_account_id
from components.specs import function_plans
from tests.conftest import make_config

FUNCTION = "gcp:cloudfunctionsv2/function:Function"
NAMES = ["revenue_optimization", "platform_integration", "error_handling"]


def build_functions(record_component, environment: str):
    config = make_config(environment, gcp={"cloud_functions": {n: True for n in NAMES}})
    ctx = StackContext.from_config(config)
    args = GcpFunctionsArgs(
        functions=function_plans(config.gcp.cloud_functions, config.functions),
        region="us-central1",
        project="qmoi-test-project",
        source_bucket="qmoi-test-dev-artifacts",
    )
    return record_component(lambda: GcpFunctions("fn", args, ctx), stack=environment)


@pytest.fixture(scope="module")
def dev(record_component):
    return build_functions(record_component, "dev")


@pytest.fixture(scope="module")
def cdn(record_component):
    import pulumi_gcp as gcp

    ctx = StackContext.from_config(make_config("dev"))

    def program() -> None:
        media = gcp.storage.Bucket("media", name="qmoi-test-dev-media", location="US-CENTRAL1")
        public = gcp.storage.BucketIAMMember(
            "media-public", bucket=media.name, role="roles/storage.legacyObjectReader", member="allUsers"
        )
        GcpCdn("cdn", GcpCdnArgs(bucket=media, domains=["media.example.com"], bucket_readable=[public]), ctx)

    return record_component(program)


def test_one_gen2_function_per_enabled_entry_with_python_312_and_the_handler_entry_point(dev):
    functions = dev.of_type(FUNCTION)
    assert sorted(f.inputs["name"] for f in functions) == sorted(f"qmoi-dev-{n.replace('_', '-')}" for n in NAMES)
    for function in functions:
        build = function.inputs["buildConfig"]
        assert (build["runtime"], build["entryPoint"]) == ("python312", "handler")
        assert build["source"]["storageSource"]["bucket"] == "qmoi-test-dev-artifacts"


def test_source_is_the_zipped_handler_folder_under_a_content_addressed_name(dev):
    source = dev.named("fn-error-handling-source")
    assert source.inputs["source"]["archive"].endswith("functions/error_handling")
    assert source.inputs["name"].startswith("functions/error-handling-") and source.inputs["name"].endswith(".zip")
    function = dev.named("fn-error-handling-function")
    assert function.inputs["buildConfig"]["source"]["storageSource"]["object"] == source.inputs["name"]


def test_functions_accept_only_internal_and_load_balancer_traffic_and_scale_within_bounds(dev):
    for function in dev.of_type(FUNCTION):
        service = function.inputs["serviceConfig"]
        assert service["ingressSettings"] == "ALLOW_INTERNAL_AND_GCLB"
        assert service["minInstanceCount"] == 0
        assert service["maxInstanceCount"] == MAX_INSTANCES
        assert service["availableMemory"] == "256M"


def test_prod_keeps_one_warm_instance(record_component):
    plan = build_functions(record_component, "prod")
    assert {f.inputs["serviceConfig"]["minInstanceCount"] for f in plan.of_type(FUNCTION)} == {1}


def test_each_function_runs_as_its_own_service_account_without_project_roles(dev):
    emails = {f.inputs["serviceConfig"]["serviceAccountEmail"] for f in dev.of_type(FUNCTION)}
    assert len(emails) == len(NAMES)
    project_members = {r.inputs["member"] for r in dev.of_type("gcp:projects/iAMMember:IAMMember")}
    assert not any(e in m for e in emails for m in project_members)


def test_builds_run_as_a_build_account_with_the_cloud_run_builder_role_only(dev):
    builder = dev.named("fn-builder")
    (grant,) = dev.of_type("gcp:projects/iAMMember:IAMMember")
    assert (grant.inputs["role"], grant.inputs.get("condition")) == ("roles/run.builder", None)
    assert grant.inputs["member"].endswith("qmoi-dev-fn-build@qmoi-enhanced.iam.gserviceaccount.com")
    assert dev.of_type("gcp:storage/bucketIAMMember:BucketIAMMember") == []  # the role reads the source
    for function in dev.of_type(FUNCTION):
        assert function.inputs["buildConfig"]["serviceAccount"].endswith(
            "qmoi-dev-fn-build@qmoi-enhanced.iam.gserviceaccount.com"
        )
        assert grant.urn in function.dependencies
    assert builder.inputs["accountId"] == "qmoi-dev-fn-build"


def test_nobody_is_granted_invoker_and_never_all_users(dev):
    members = [r.inputs.get("member", "") for r in dev.resources if r.custom]
    assert "allUsers" not in members and "allAuthenticatedUsers" not in members
    assert not any("run.invoker" in r.inputs.get("role", "") for r in dev.resources if r.custom)


def test_service_account_ids_fit_the_30_character_limit_and_stay_distinct():
    long_ids = [service_account_id(f"qmoi-staging-fn-{n}") for n in ("revenue-optimization", "revenue-optimizer")]
    assert all(6 <= len(i) <= 30 and i[0].isalpha() and not i.endswith("-") for i in long_ids)
    assert len(set(long_ids)) == 2
    assert service_account_id("qmoi-dev-fn-build") == "qmoi-dev-fn-build"


def test_functions_carry_the_required_labels(dev):
    for function in dev.of_type(FUNCTION):
        assert {"environment", "project", "owner", "cost-center", "function"} <= set(function.inputs["labels"])


def test_the_backend_bucket_serves_the_media_bucket_with_cdn_on(cdn):
    (backend,) = cdn.of_type("gcp:compute/backendBucket:BackendBucket")
    assert backend.inputs["bucketName"] == "qmoi-test-dev-media"
    assert backend.inputs["enableCdn"] is True
    assert backend.inputs["cdnPolicy"]["cacheMode"] == "CACHE_ALL_STATIC"


def test_the_backend_waits_for_the_grant_that_makes_media_readable_and_grants_nothing_itself(cdn):
    (grant,) = cdn.of_type("gcp:storage/bucketIAMMember:BucketIAMMember")
    assert grant.name == "media-public"  # the storage component's grant, not one of the CDN's
    assert grant.urn in cdn.named("cdn-backend").dependencies
    (health,) = cdn.of_type("gcp:storage/bucketObject:BucketObject")
    assert (health.inputs["bucket"], health.inputs["name"]) == ("qmoi-test-dev-media", ".well-known/qmoi-health")


def test_https_uses_a_managed_certificate_and_an_ssl_policy_with_tls_12_minimum(cdn):
    policy = cdn.named("cdn-ssl-policy")
    assert policy.inputs["minTlsVersion"] == "TLS_1_2"
    assert policy.inputs["profile"] in ("MODERN", "RESTRICTED")
    assert cdn.named("cdn-certificate").inputs["managed"]["domains"] == ["media.example.com"]
    proxy = cdn.named("cdn-https-proxy")
    assert proxy.inputs["sslPolicy"].endswith("/sslPolicies/qmoi-dev-media-tls")
    assert proxy.inputs["sslCertificates"] == ["projects/qmoi-enhanced/global/sslCertificates/qmoi-dev-media-cert"]


def test_port_443_serves_the_cdn_and_port_80_only_redirects_to_https(cdn):
    https, http = cdn.named("cdn-https"), cdn.named("cdn-http")
    assert (https.inputs["portRange"], http.inputs["portRange"]) == ("443", "80")
    assert https.inputs["ipAddress"] == http.inputs["ipAddress"]
    assert {https.inputs["loadBalancingScheme"], http.inputs["loadBalancingScheme"]} == {"EXTERNAL_MANAGED"}
    redirect = cdn.named("cdn-http-redirect").inputs["defaultUrlRedirect"]
    assert redirect["httpsRedirect"] is True
    assert cdn.named("cdn-http-proxy").inputs["urlMap"].endswith("/urlMaps/qmoi-dev-media-redirect")
