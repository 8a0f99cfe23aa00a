"""The replacement table the offline diff infers `+-` from: complete for what the program declares, true to
the installed SDKs' input names, and holding every "forces a new resource" the SDKs' docstrings state."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from infra.plan import Plan
from infra.report.replacements import FORCES, PROVIDER_FORCES, forced_by

SDK_PACKAGES = {
    "aws": "pulumi_aws",
    "gcp": "pulumi_gcp",
    "azure-native": "pulumi_azure_native",
    "cloudflare": "pulumi_cloudflare",
    "digitalocean": "pulumi_digitalocean",
    "command": "pulumi_command",
}
FORCES_NEW = re.compile(r"forces? (?:a )?new (?:resource|\w+ to be created)", re.IGNORECASE)


@pytest.fixture(scope="module")
def declared_types(stack_plan: Callable[[str], Plan]) -> set[str]:
    return {r.type for stack in ("dev", "staging", "prod") for r in stack_plan(stack).resources if r.custom}


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)


@cache
def sdk_source(type_token: str) -> str:
    """The text of the SDK module that defines a resource or provider type (read, not imported: the SDKs are large)."""
    package, module, name = type_token.split(":")
    if package == "pulumi":  # pulumi:providers:<package>
        package, module, name = name, "index", "Provider"
    spec = importlib.util.find_spec(SDK_PACKAGES[package])
    assert spec is not None and spec.submodule_search_locations, package
    root = Path(next(iter(spec.submodule_search_locations)))
    folder = module.split("/")[0]
    folder = {"index": "", "lambda": "lambda_"}.get(folder, folder)
    candidate = root / folder / f"{_snake(name)}.py"
    if candidate.is_file():
        return candidate.read_text()
    found = [p for p in (root / folder).glob("*.py") if f"'{type_token}'" in p.read_text()]
    assert found, f"no SDK module defines {type_token}"
    return found[0].read_text()


def sdk_inputs(type_token: str) -> set[str]:
    text = sdk_source(type_token)
    named = set(re.findall(r'@pulumi\.getter\(name="(\w+)"\)', text))
    plain = {_camel(n) for n in re.findall(r"@pulumi\.getter\n\s+def (\w+)\(self\)", text)}
    return named | plain


def test_every_type_the_program_declares_is_in_the_replacement_table(declared_types: set[str]) -> None:
    missing = sorted(t for t in declared_types if t not in FORCES and t not in PROVIDER_FORCES)
    assert not missing, f"add these types to infra/report/replacements.py (with their sources): {missing}"


def test_every_property_in_the_table_is_an_input_of_the_sdk_type(declared_types: set[str]) -> None:
    wrong = []
    for type_token in sorted(declared_types):
        forces = FORCES.get(type_token) or PROVIDER_FORCES.get(type_token)
        assert forces is not None
        inputs = sdk_inputs(type_token)
        for prop in (*forces.properties, *forces.except_, *forces.not_applied):
            top = prop.split(".")[0].replace("[*]", "")
            if top != "*" and top not in inputs:
                wrong.append(f"{type_token}: {prop}")
    assert not wrong, f"not inputs of the SDK (typo, or renamed upstream): {wrong}"


def test_every_forces_a_new_resource_docstring_of_the_sdks_is_in_the_table(declared_types: set[str]) -> None:
    stated = []
    for type_token in sorted(declared_types):
        for snake, description in re.findall(r":param [^\n]*? (\w+): ([^\n]*)", sdk_source(type_token)):
            if FORCES_NEW.search(description):
                stated.append((type_token, _camel(snake)))
    assert stated, "the SDKs state some: the harvest must find them"
    missing = [
        f"{t}: {p}" for t, p in sorted(set(stated)) if p not in FORCES[t].properties and "*" not in FORCES[t].properties
    ]
    assert not missing, missing


def test_every_entry_says_where_its_rule_is_stated() -> None:
    for type_token, forces in {**FORCES, **PROVIDER_FORCES}.items():
        assert forces.source.startswith("https://") or forces.source.startswith("pulumi_command SDK"), type_token


@pytest.mark.parametrize(
    ("type_token", "path", "before", "after", "inputs", "forced"),
    [
        ("aws:s3/bucket:Bucket", "bucket", "a", "b", {}, True),
        ("aws:s3/bucket:Bucket", "tags.owner", "a", "b", {}, False),
        ("aws:ec2/flowLog:FlowLog", "trafficType", "ALL", "REJECT", {}, True),
        ("aws:ec2/flowLog:FlowLog", "tags.owner", "a", "b", {}, False),
        ("aws:ec2/vpcEndpoint:VpcEndpoint", "privateDnsEnabled", False, True, {"vpcEndpointType": "Gateway"}, True),
        ("aws:ec2/vpcEndpoint:VpcEndpoint", "privateDnsEnabled", False, True, {"vpcEndpointType": "Interface"}, False),
        ("azure-native:storage:StorageAccount", "location", "eastus", "westus2", {}, True),
        ("azure-native:storage:StorageAccount", "encryption.requireInfrastructureEncryption", True, False, {}, True),
        ("azure-native:storage:StorageAccount", "minimumTlsVersion", "TLS1_0", "TLS1_2", {}, False),
        ("gcp:compute/instanceTemplate:InstanceTemplate", "machineType", "n2-standard-2", "n2-standard-4", {}, True),
        ("cloudflare:index/r2Bucket:R2Bucket", "location", "enam", None, {}, False),
        ("command:local:Command", "triggers[0]", "a", "b", {"update": "x"}, False),
        ("command:local:Command", "triggers[0]", "a", "b", {}, True),
    ],
)
def test_the_table_decides_like_the_provider(type_token, path, before, after, inputs, forced) -> None:
    assert (forced_by(type_token, path, before, after, inputs) is not None) is forced
