"""The Azure platform built once per environment on the mock runtime (dev and prod)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import make_config

SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGPWUG1FfKvdyf0LGJfo5Xzk3sKB4HrlOxX9xoAirRyf test"
AZURE: dict[str, Any] = {
    "enabled": True,
    "subscription_id": "0b1f6471-1bf0-4dda-aec3-111122223333",
    "functions": {"revenue_generation": True, "platform_sync": True, "health_monitoring": False},
    "cdn": {"enabled": True, "domains": ["assets.example.com"]},
    "ssh_public_keys": [SSH_KEY],
}
REQUIRED_TAGS = {"environment", "stack", "project", "owner", "cost-center"}


def build_platform(record_component, environment: str):
    from components.azure.platform import AzurePlatform

    config = make_config(environment, azure=AZURE)
    return record_component(lambda: AzurePlatform("az", config), stack=environment)


@pytest.fixture(scope="session")
def azure_dev(record_component):
    return build_platform(record_component, "dev")


@pytest.fixture(scope="session")
def azure_prod(record_component):
    return build_platform(record_component, "prod")
