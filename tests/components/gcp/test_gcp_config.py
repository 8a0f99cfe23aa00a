"""GCP configuration validation, without Pulumi: the seed's GPU value, CDN domains, soft delete, CMEK."""

from __future__ import annotations

import pytest

from infra.config import ConfigError, GcpMachine, Tier
from tests.conftest import make_config

ENABLED = {"enabled": True, "project_id": "qmoi-test-dev", "billing_account": "01A2B3-C4D5E6-F7A8B9"}


def problems(**gcp: object) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        make_config("dev", gcp=ENABLED | gcp)
    return caught.value.problems


def test_the_seed_gpu_value_is_explained_as_machine_type_plus_accelerator():
    (problem,) = problems(
        compute_instances={"cpu": "n1-standard-8", "gpu": "n1-standard-4-gpu", "memory": "n1-highmem-16"}
    )
    assert problem.startswith("gcp.compute_instances.gpu:")
    assert "'n1-standard-4-gpu' is not a GCP machine type" in problem
    assert "machine_type: n1-standard-4, accelerator: nvidia-tesla-t4" in problem


def test_the_seed_shape_with_cpu_and_an_accelerator_mapping_is_accepted():
    config = make_config(
        "dev",
        gcp=ENABLED
        | {
            "compute_instances": {
                "cpu": "n1-standard-8",
                "gpu": {"machine_type": "n1-standard-4", "accelerator": "nvidia-tesla-t4", "accelerator_count": 1},
                "memory": "n1-highmem-16",
            }
        },
    )
    machines = config.gcp.compute_instances.machines()
    assert machines[Tier.gpu] == GcpMachine(machine_type="n1-standard-4", accelerator="nvidia-tesla-t4")
    assert machines[Tier.compute].machine_type == "n1-standard-8"
    assert config.gcp.cmek is False


def test_an_unknown_accelerator_names_the_key_and_the_known_ones():
    (problem,) = problems(
        compute_instances={
            "cpu": "n1-standard-8",
            "gpu": {"machine_type": "n1-standard-4", "accelerator": "nvidia-h900"},
            "memory": "n1-highmem-16",
        }
    )
    assert problem.startswith("gcp.compute_instances.gpu.accelerator: 'nvidia-h900' is not an accelerator type of gcp")
    assert "did you mean" in problem and "nvidia-b200" in problem


def test_a_gpu_tier_without_gpu_or_accelerator_is_rejected():
    (problem,) = problems(compute_instances={"cpu": "n1-standard-8", "gpu": "n1-standard-4", "memory": "n1-highmem-16"})
    assert problem == "gcp.compute_instances.gpu: 'n1-standard-4' has no GPU; the gpu tier needs a GPU size"


def test_an_enabled_cdn_needs_a_domain_for_its_managed_certificate():
    (problem,) = problems(cdn={"enabled": True, "domains": []})
    assert problem.startswith("gcp:") and "cdn.domains" in problem


def test_an_enabled_gcp_block_needs_a_billing_account():
    with pytest.raises(ConfigError, match="billing_account is required"):
        make_config("dev", gcp={"enabled": True, "project_id": "qmoi-test-dev"})


def test_a_retention_window_beyond_cloud_storage_soft_delete_limits_is_explained():
    with pytest.raises(ConfigError) as caught:
        make_config("dev", gcp=ENABLED, storage={"backups": {"versioning": True, "retention_days": 120}})
    assert caught.value.problems == [
        "storage.backups.retention_days: 120 cannot be a Cloud Storage soft-delete window "
        "(allowed 7-90 days when gcp is enabled)"
    ]


def test_cmek_is_an_opt_in_boolean():
    assert make_config("dev", gcp=ENABLED | {"cmek": True}).gcp.cmek is True
    assert problems(cmek="yes-please")[0].startswith("gcp.cmek:")
