"""A DigitalOcean platform built once per environment on the mock runtime."""

from __future__ import annotations

from typing import Any

import pytest

from components.digitalocean.platform import DigitalOceanPlatform
from tests.conftest import make_config

FINGERPRINT = "3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"


def do_block(**overrides: Any) -> dict[str, Any]:
    return {
        "enabled": True,
        "ssh_key_fingerprints": [FINGERPRINT],
        "functions": {"webhook_ingest": True, "usage_report": True},
        "cdn": {"enabled": True, "domains": ["media.qmoi.ai"]},
        **overrides,
    }


def build_platform(record_component, environment: str = "dev", storage: dict | None = None, **overrides: Any):
    blocks: dict[str, Any] = {"digitalocean": do_block(**overrides)}
    if storage:
        blocks["storage"] = storage
    config = make_config(environment, **blocks)
    return record_component(lambda: DigitalOceanPlatform("do", config), stack=environment)


@pytest.fixture(scope="package")
def build_do(record_component):
    """`build_do("prod", storage=..., **digitalocean_overrides)` -> Plan of a DigitalOceanPlatform."""
    return lambda environment="dev", storage=None, **overrides: build_platform(
        record_component, environment, storage, **overrides
    )


@pytest.fixture(scope="package")
def dev_do(record_component):
    return build_platform(record_component, "dev")


@pytest.fixture(scope="package")
def prod_do(record_component):
    return build_platform(record_component, "prod")
