"""One capability interface across the five providers: constructor shape, neutral names, a common base."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import get_type_hints

import pulumi
import pytest

import components
from components.platform import ProviderPlatform
from stacks import PLATFORMS, platform_class

PROVIDERS = ("aws", "gcp", "azure", "cloudflare", "digitalocean")
# Capability -> the attributes every provider that has it exposes under the same name.
NEUTRAL_ATTRIBUTES = {
    "storage": ("buckets",),
    "compute": ("groups",),
    "monitoring": ("alarms",),
    "dashboard": ("dashboard", "tiles"),
}


def capability_classes() -> list[tuple[str, str, type]]:
    found = []
    for provider in PROVIDERS:
        package = importlib.import_module(f"components.{provider}")
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"components.{provider}.{info.name}")
            for cls in vars(module).values():
                if (
                    inspect.isclass(cls)
                    and issubclass(cls, pulumi.ComponentResource)
                    and cls.__module__ == module.__name__
                    and not issubclass(cls, ProviderPlatform)
                ):
                    found.append((provider, info.name, cls))
    return found


CAPABILITIES = capability_classes()


def test_the_component_packages_are_the_five_providers() -> None:
    packages = {m.name for m in pkgutil.iter_modules(components.__path__) if m.ispkg}
    assert packages == set(PROVIDERS)


@pytest.mark.parametrize(("provider", "module", "cls"), CAPABILITIES, ids=lambda v: getattr(v, "__name__", v))
def test_every_capability_component_takes_name_args_ctx_opts(provider: str, module: str, cls: type) -> None:
    init = vars(cls)["__init__"]
    parameters = list(inspect.signature(init).parameters.values())
    assert [p.name for p in parameters] == ["self", "name", "args", "ctx", "opts"], cls.__name__
    assert parameters[-1].default is None
    hints = get_type_hints(init)
    assert hints["ctx"].__name__ == "StackContext"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_platform_is_a_provider_platform_with_its_own_type_token(provider: str) -> None:
    cls = platform_class(next(p for p in PLATFORMS if p.value == provider))
    assert issubclass(cls, ProviderPlatform)
    assert cls.PROVIDER.value == provider
    assert inspect.signature(vars(ProviderPlatform)["__init__"]).parameters.keys() >= {"name", "config", "opts"}


@pytest.mark.parametrize(("capability", "attributes"), NEUTRAL_ATTRIBUTES.items())
def test_a_capability_exposes_the_same_attribute_names_on_every_provider(
    capability: str, attributes: tuple[str, ...]
) -> None:
    classes = [cls for _, module, cls in CAPABILITIES if module == capability]
    assert len(classes) >= 3
    for cls in classes:
        declared = set(cls.__annotations__)
        assert set(attributes) <= declared, f"{cls.__name__} lacks {set(attributes) - declared}"
