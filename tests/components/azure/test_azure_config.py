"""Azure config validation: subscription ids, retired sizes, SSH keys (no Pulumi)."""

from __future__ import annotations

import pytest

from infra.config import ConfigError
from tests.components.azure.conftest import AZURE
from tests.conftest import make_config


def problems(**azure: object) -> list[str]:
    with pytest.raises(ConfigError) as exc:
        make_config("dev", azure={**AZURE, **azure})
    return exc.value.problems


def test_the_seed_subscription_id_is_rejected_naming_the_key_and_asking_for_a_guid():
    (problem,) = problems(subscription_id="qmoi-subscription")
    assert problem.startswith("azure.subscription_id:")
    assert "'qmoi-subscription'" in problem
    assert "must be a GUID" in problem


def test_a_guid_subscription_id_is_accepted():
    assert make_config("dev", azure=AZURE).azure.subscription_id == AZURE["subscription_id"]


def test_the_retired_ncv3_seed_size_says_when_it_was_retired_and_what_to_use():
    sizes = {"compute": "Standard_D8s_v3", "gpu": "Standard_NC6s_v3", "memory": "Standard_E16s_v3"}
    (problem,) = problems(virtual_machines=sizes)
    assert problem.startswith("azure.virtual_machines.gpu: 'Standard_NC6s_v3'")
    assert "retired on 2025-09-30" in problem
    assert "Standard_NC4as_T4_v3" in problem


def test_a_size_azure_does_not_have_is_rejected_with_the_nearest_sizes():
    sizes = {"compute": "Standard_D8s_v33", "gpu": "Standard_NC4as_T4_v3", "memory": "Standard_E16s_v3"}
    (problem,) = problems(virtual_machines=sizes)
    assert problem.startswith("azure.virtual_machines.compute: 'Standard_D8s_v33' is not an instance size of azure")
    assert "did you mean 'Standard_D8s_v3'" in problem


def test_enabling_azure_without_an_ssh_key_is_an_error_because_passwords_are_off():
    assert any("ssh_public_keys" in p for p in problems(ssh_public_keys=[]))


def test_storage_firewall_ip_rules_must_be_addresses_or_ranges():
    assert any("storage_ip_rules" in p for p in problems(network={"storage_ip_rules": ["everyone"]}))
