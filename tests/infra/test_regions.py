"""Regions teams use: validity from complete lists, prices from the generated catalog, unpriced made explicit,
user-supplied prices, and the commitment and right-sizing options."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra import cost
from infra.catalog import load_catalog
from infra.config import ConfigError, load_stack_file
from infra.config.stackfile import stack_path
from infra.cost import Estimate
from infra.plan import Plan
from infra.plan.records import ResourceRecord
from infra.plan.runner import plan_stack_file
from infra.report.cost import render_markdown, render_text
from tests.conftest import make_config

EU_SIZES = {
    "aws": {
        "region": "eu-west-1",
        "ec2_instances": {"compute": "m6i.large", "gpu": "g4dn.xlarge", "memory": "m7g.2xlarge"},
    },
    "gcp": {
        "region": "europe-west1",
        "compute_instances": {
            "cpu": "n2-standard-4",
            "gpu": {"machine_type": "n1-standard-4", "accelerator": "nvidia-tesla-t4", "accelerator_count": 1},
            "memory": "n2-highmem-8",
        },
    },
    "azure": {
        "region": "westeurope",
        "virtual_machines": {"compute": "Standard_D4s_v5", "gpu": "Standard_NC4as_T4_v3", "memory": "Standard_E8s_v5"},
    },
    "digitalocean": {
        "region": "ams3",
        "gpu_region": "ams3",
        "droplets": {"compute": "s-2vcpu-4gb", "gpu": "gpu-h100x1-80gb", "memory": "m-2vcpu-16gb"},
    },
}
AZURE_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGPWUG1FfKvdyf0LGJfo5Xzk3sKB4HrlOxX9xoAirRyf qmoi-example"
TIER_TYPES = (
    "aws:autoscaling/group:Group",
    "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager",
    "azure-native:compute:VirtualMachineScaleSet",
    "digitalocean:index/dropletAutoscale:DropletAutoscale",
)


def eu_stack_file(tmp: Path, **extra: Any) -> Path:
    """The shipped dev stack moved to Europe, with current-generation sizes."""
    document = yaml.safe_load(stack_path("dev").read_text(encoding="utf-8"))
    for provider, values in EU_SIZES.items():
        block = document["config"][f"qmoi-cloud:{provider}"]
        block.update(copy.deepcopy(values))
    for key, value in extra.items():
        document["config"][f"qmoi-cloud:{key}"] = value
    path = tmp / "Pulumi.dev.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def eu_plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    """The European dev stack, planned once for this module (with one user-supplied price)."""
    pricing = {
        "overrides": [
            {
                "provider": "aws",
                "service": "storage",
                "sku": "STANDARD",
                "region": "eu-west-1",
                "usd": 0.023,
                "note": "our EDP rate sheet, 2026",
            },
        ]
    }
    path = eu_stack_file(tmp_path_factory.mktemp("eu"), pricing=pricing)
    return plan_stack_file(load_stack_file("dev", path))


@pytest.fixture(scope="module")
def eu_estimate(eu_plan: Plan) -> Estimate:
    return cost.estimate(eu_plan)


def tier_items(est: Estimate) -> dict[str, Any]:
    return {r.name: r.items[0] for r in est.resources if r.type in TIER_TYPES}


def test_a_european_stack_with_current_sizes_validates_and_plans(eu_plan: Plan) -> None:
    config = eu_plan.config
    assert config is not None
    assert (config.aws.region, config.gcp.region, config.azure.region) == ("eu-west-1", "europe-west1", "westeurope")
    sizes = {
        r.inputs.get("instanceType") for r in eu_plan.resources if r.type == "aws:ec2/launchTemplate:LaunchTemplate"
    }
    assert sizes == {"m6i.large", "g4dn.xlarge", "m7g.2xlarge"}


def test_every_tier_of_the_european_stack_is_priced_with_no_unpriced_instance_rows(eu_estimate: Estimate) -> None:
    items = tier_items(eu_estimate)
    # three tiers on AWS, GCP and Azure; DigitalOcean parks dev's gpu and memory tiers (min 0: no pool)
    assert len(items) == 10
    for name, item in items.items():
        assert item.unpriced is None and item.monthly_usd > 0, name
        assert not any("no spot price" in note for note in item.notes), name


def test_the_european_aws_compute_tier_costs_its_catalog_spot_price_times_hours(eu_estimate: Estimate) -> None:
    (compute,) = [r for r in eu_estimate.resources if r.name == "qmoi-aws-compute-compute-asg"]
    spot = (0.0564 + 0.0495 + 0.047) / 3  # m6i.large eu-west-1, the three zones of the saved SkyPilot rows
    assert compute.items[0].monthly_usd == pytest.approx(spot * 730, abs=0.01)


def test_a_service_the_catalog_does_not_price_in_the_region_is_listed_as_not_priced(eu_estimate: Estimate) -> None:
    missing = {name: why for name, _, why in eu_estimate.unpriced()}
    assert "aws nat" not in " ".join(missing.values())  # dev has no NAT
    alarms = [why for name, why in missing.items() if name.startswith("qmoi-aws-monitoring")]
    assert alarms == [] or all("eu-west-1" in why for why in alarms)
    # backups move to STANDARD_IA and GLACIER, which the catalog does not price in eu-west-1
    (bucket,) = [why for name, why in missing.items() if name == "qmoi-aws-storage-backups"]
    assert "no price for aws storage" in bucket and "in eu-west-1" in bucket and "`pricing` block" in bucket
    assert "NOT PRICED" in render_text(eu_estimate) and "NOT PRICED" in render_markdown(eu_estimate)
    assert all(entry["why"] for entry in eu_estimate.to_json()["notPriced"])


def test_a_user_supplied_price_is_used_and_shown_as_user_supplied(eu_estimate: Estimate) -> None:
    (row,) = eu_estimate.user_prices
    assert (row.provider, row.sku, row.region, row.usd) == ("aws", "STANDARD", "eu-west-1", 0.023)
    assert "user-supplied: our EDP rate sheet, 2026" in render_text(eu_estimate)
    assert "User-supplied prices" in render_markdown(eu_estimate)
    assert eu_estimate.to_json()["userSupplied"][0]["note"] == "user-supplied: our EDP rate sheet, 2026"


def test_right_sizing_suggests_the_cheapest_size_of_the_family_with_the_tiers_vcpu_and_memory(
    eu_estimate: Estimate,
) -> None:
    options = {(name, o.kind): o for name, _, o in eu_estimate.options()}
    right = options[("qmoi-azure-compute-compute-vmss", "right-size")]
    assert right.description.startswith("Standard_D4as_v5 (4 vCPU, 16 GiB) instead of Standard_D4s_v5 (4 vCPU, 16 GiB)")
    spot = {}
    for size in ("Standard_D4as_v5", "Standard_D4s_v5"):
        row = load_catalog().instance("azure", size, "westeurope")
        assert row is not None and row.spot_usd is not None
        spot[size] = row.spot_usd
    assert right.saving_usd == pytest.approx(
        (spot["Standard_D4s_v5"] - spot["Standard_D4as_v5"]) * 730, abs=0.01
    )  # the dev compute tier runs on spot
    assert ("qmoi-gcp-compute-compute-group", "right-size") not in options  # n2-standard-4 is its family's cheapest
    assert "options (not applied" in render_text(eu_estimate)


def test_commitment_options_come_from_the_catalog_on_gcp_and_are_labelled_indicative_elsewhere(
    prod_plan: Plan,
) -> None:
    est = cost.estimate(prod_plan)
    options = {(name, o.kind): o for name, _, o in est.options()}
    gcp = options[("qmoi-gcp-compute-compute-group", "commit-1y")]
    row = load_catalog().instance("gcp", "n1-standard-8", "us-central1")
    assert row is not None and row.usd is not None and row.commit_1y_usd is not None
    assert gcp.saving_usd == pytest.approx((row.usd - row.commit_1y_usd) * 2 * 730, abs=0.01)
    assert gcp.basis.startswith("catalog: cyclenerd-gcp")
    aws = options[("qmoi-aws-compute-compute-asg", "commit-3y")]
    assert aws.basis.startswith("indicative:")
    assert not [k for k in options if k[0].startswith("qmoi-digitalocean") and k[1].startswith("commit")]
    assert not [k for k in options if k[0].endswith("gpu-asg")]  # prod's GPU tier runs on spot: nothing to commit
    assert est.total_usd == pytest.approx(sum(r.monthly_usd for r in est.resources))  # options are never applied


def test_a_size_that_does_not_exist_is_an_error_that_suggests_the_nearest_names() -> None:
    with pytest.raises(ConfigError) as exc:
        make_config(
            "dev",
            aws={
                "enabled": True,
                "region": "eu-west-1",
                "ec2_instances": {"compute": "m6i.largee", "gpu": "g4dn.xlarge", "memory": "r5.large"},
            },
        )
    (problem,) = exc.value.problems
    assert problem.startswith("aws.ec2_instances.compute: 'm6i.largee' is not an instance size of aws")
    assert "did you mean 'm6i.large'" in problem


def test_a_region_that_does_not_exist_suggests_the_nearest_regions() -> None:
    with pytest.raises(ConfigError) as exc:
        make_config("dev", azure={"enabled": True, "region": "westeurop", "ssh_public_keys": [AZURE_KEY]})
    assert any(
        "azure.region: 'westeurop' is not a region of azure; did you mean 'westeurope'" in p for p in exc.value.problems
    )


def test_a_size_that_exists_without_a_price_is_accepted_and_reported_as_not_priced() -> None:
    config = make_config(
        "dev",
        aws={
            "enabled": True,
            "region": "ap-south-1",
            "ec2_instances": {"compute": "m6i.large", "gpu": "g4dn.xlarge", "memory": "x2iedn.xlarge"},
        },
    )
    assert config.aws.region == "ap-south-1" and config.aws.ec2_instances.memory == "x2iedn.xlarge"
    asg = ResourceRecord(
        "urn:pulumi:dev::qmoi-cloud::aws:autoscaling/group:Group::memory-asg",
        "aws:autoscaling/group:Group",
        "memory-asg",
        None,
        True,
        False,
        False,
        None,
        [],
        {},
        {"minSize": 1, "desiredCapacity": 1, "launchTemplate": {"id": "lt"}, "tags": {"tier": "memory"}},
    )
    template = ResourceRecord(
        "urn:pulumi:dev::qmoi-cloud::aws:ec2/launchTemplate:LaunchTemplate::memory-lt",
        "aws:ec2/launchTemplate:LaunchTemplate",
        "memory-lt",
        None,
        True,
        False,
        False,
        None,
        [],
        {},
        {"instanceType": "x2iedn.xlarge", "tags": {"tier": "memory"}},
        id="lt",
    )
    est = cost.estimate(Plan(stack="dev", resources=[template, asg], config=config), use_reference=False)
    ((name, label, why),) = est.unpriced()
    assert (name, label) == ("memory-asg", "x2iedn.xlarge on-demand, 1 x 730 h")
    assert "no price for aws instance 'x2iedn.xlarge' in ap-south-1" in why and est.total_usd == 0


def gcp_problems(gpu: dict[str, Any], **block: Any) -> list[str]:
    """The problems of an enabled GCP block with this gpu tier."""
    tiers = {"cpu": "n2-standard-4", "gpu": gpu, "memory": "n2-highmem-8"}
    gcp = {
        "enabled": True,
        "project_id": "qmoi-test-dev",
        "billing_account": "01A2B3-C4D5E6-F7A8B9",
        "compute_instances": tiers,
        **block,
    }
    with pytest.raises(ConfigError) as exc:
        make_config("dev", gcp=gcp)
    return exc.value.problems


def test_a_gcp_accelerator_is_checked_for_existence_and_for_the_region() -> None:
    problems = gcp_problems({"machine_type": "n1-standard-4", "accelerator": "nvidia-tesla-t44"})
    assert any(
        "'nvidia-tesla-t44' is not an accelerator type of gcp; did you mean 'nvidia-tesla-t4'" in p for p in problems
    )


def test_the_pricing_block_rejects_a_size_that_does_not_exist_and_a_duplicate() -> None:
    override = {
        "provider": "aws",
        "service": "instance",
        "sku": "m6i.largee",
        "region": "eu-west-1",
        "usd": 0.1,
        "note": "quote",
    }
    with pytest.raises(ConfigError) as exc:
        make_config("dev", pricing={"overrides": [override, override]})
    problems = exc.value.problems
    assert any(p.startswith("pricing.overrides[0].sku: 'm6i.largee' is not an instance size of aws") for p in problems)
    assert any(p.startswith("pricing.overrides[1]: a second price for aws instance m6i.largee") for p in problems)


def test_a_gcp_accelerator_not_offered_in_the_region_names_where_it_is() -> None:
    gpu = {"machine_type": "n1-standard-8", "accelerator": "nvidia-tesla-v100"}
    problems = gcp_problems(gpu, region="europe-west1")
    assert any("'nvidia-tesla-v100' is not offered in europe-west1 (offered in:" in p for p in problems)


def test_every_report_lists_the_unpriced_charges_by_name(eu_plan: Plan, eu_estimate: Estimate) -> None:
    from infra.report.compare import render_compare_markdown
    from infra.report.diff import diff_documents
    from infra.report.plan import plan_document
    from infra.report.plan import render_markdown as plan_markdown
    from infra.report.plan import render_text as plan_text

    (name, label, why) = next(u for u in eu_estimate.unpriced() if u[0] == "qmoi-aws-storage-backups")
    line = f"{name}`: {label}: {why}"
    document = plan_document(eu_plan)
    assert {"resource": name, "item": label, "why": why} in document["cost"]["notPriced"]
    assert f"  {name}: {label}: {why}" in plan_text(eu_plan)
    assert f"{name}: {label}: {why}" in plan_markdown(eu_plan)
    assert line in render_compare_markdown(diff_documents(document, document))  # the pull-request comment
    assert "user-supplied: our EDP rate sheet, 2026" in render_compare_markdown(diff_documents(document, document))
