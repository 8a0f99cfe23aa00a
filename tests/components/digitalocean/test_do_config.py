"""The digitalocean config block, validated without Pulumi: GPU regions, sizes, keys."""

from __future__ import annotations

import pytest

from infra.catalog import load_catalog
from infra.config import DIGITALOCEAN_GPU_REGIONS, ConfigError, DigitalOcean
from tests.conftest import make_config

from .conftest import do_block


def problems(**overrides) -> str:
    with pytest.raises(ConfigError) as exc:
        make_config("dev", digitalocean=do_block(**overrides))
    return str(exc.value)


def test_default_droplet_sizes_are_all_in_the_pricing_catalog():
    catalog = load_catalog()
    for tier, size in DigitalOcean().droplets.sizes().items():
        assert catalog.instance("digitalocean", size, "nyc3") is not None, tier
    gpu_droplet = catalog.instance("digitalocean", DigitalOcean().droplets.gpu, "global")
    assert gpu_droplet is not None and gpu_droplet.gpu


def test_a_gpu_size_in_a_region_without_gpu_droplets_names_the_key_the_regions_and_the_fix():
    message = problems(gpu_region=None)
    assert (
        "digitalocean.droplets.gpu: 'gpu-h100x1-80gb' is a GPU droplet size, but region 'nyc3' has no GPU "
        "droplets (GPU regions: ams3, atl1, nyc2, tor1); set digitalocean.gpu_region to one of them"
    ) in message


def test_a_gpu_region_without_gpu_droplets_is_reported_as_the_gpu_region():
    assert "but gpu_region 'sfo3' has no GPU droplets" in problems(gpu_region="sfo3")


@pytest.mark.parametrize("region", DIGITALOCEAN_GPU_REGIONS)
def test_every_listed_gpu_region_is_accepted_for_the_gpu_pool(region):
    assert make_config("dev", digitalocean=do_block(gpu_region=region)).digitalocean.gpu_pool_region == region


def test_a_main_region_with_gpu_droplets_needs_no_gpu_region():
    config = make_config("dev", digitalocean=do_block(region="tor1", gpu_region=None))
    assert config.digitalocean.gpu_pool_region == "tor1"


def test_a_cpu_size_in_the_gpu_tier_is_rejected():
    assert "digitalocean.droplets.gpu: 's-4vcpu-8gb' has no GPU" in problems(
        droplets={"compute": "s-4vcpu-8gb", "gpu": "s-4vcpu-8gb", "memory": "s-4vcpu-8gb"}
    )


def test_a_size_digitalocean_does_not_have_is_rejected_with_the_nearest_slugs():
    message = problems(droplets={"compute": "s-4vcpu-8gbb", "gpu": "gpu-h100x1-80gb", "memory": "s-4vcpu-8gb"})
    assert "digitalocean.droplets.compute: 's-4vcpu-8gbb' is not an instance size of digitalocean" in message
    assert "did you mean 's-4vcpu-8gb'" in message


def test_every_droplet_size_the_api_lists_is_accepted_and_priced():
    config = make_config(
        "dev", digitalocean=do_block(droplets={"compute": "c-4", "gpu": "gpu-h100x1-80gb", "memory": "m-2vcpu-16gb"})
    )
    assert config.digitalocean.droplets.compute == "c-4"
    assert load_catalog().instance("digitalocean", "m-2vcpu-16gb", "nyc3") is not None


def test_a_region_digitalocean_does_not_have_is_rejected():
    assert "digitalocean.region: 'nyc9' is not a region of digitalocean" in problems(region="nyc9")


def test_enabling_digitalocean_without_ssh_keys_is_an_error():
    assert "ssh_key_fingerprints needs at least one key fingerprint" in problems(ssh_key_fingerprints=[])


def test_an_ssh_key_that_is_not_an_md5_fingerprint_is_rejected():
    assert "digitalocean.ssh_key_fingerprints.0" in problems(ssh_key_fingerprints=["ssh-ed25519 AAAA"])


def test_overlapping_vpc_ranges_are_rejected():
    found = problems(vpc_cidr="10.50.0.0/20", gpu_vpc_cidr="10.50.8.0/21")
    assert "gpu_vpc_cidr 10.50.8.0/21 overlaps vpc_cidr 10.50.0.0/20" in found


def test_vpc_ranges_are_allocated_unless_pinned_and_pinned_ones_must_be_private():
    assert make_config("dev", digitalocean={**do_block()}).digitalocean.vpc_ranges() == {"nyc3": None, "tor1": None}
    assert "not a DigitalOcean VPC range" in problems(vpc_cidr="8.8.0.0/20")


def test_the_spaces_cdn_takes_at_most_one_domain():
    assert "at most one domain" in problems(cdn={"enabled": True, "domains": ["a.qmoi.ai", "b.qmoi.ai"]})


def test_the_disabled_default_block_validates_even_with_a_gpu_size_in_nyc3():
    assert make_config("dev").digitalocean.enabled is False


def test_validation_says_which_tiers_digitalocean_parks_at_minimum_zero():
    config = make_config("dev", digitalocean=do_block())
    notices = config.notices()
    assert [n.split(":", 1)[0] for n in notices] == ["autoscaling.gpu.min", "autoscaling.memory.min"]
    assert all("parks the" in n and "min_instances >= 1" in n for n in notices)
    assert make_config("prod", digitalocean=do_block()).notices() == []
