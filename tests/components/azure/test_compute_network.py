"""Azure compute and network on the mock runtime: scale set hardening, spot, autoscale limits, NSG."""

from __future__ import annotations

import pytest

VMSS = "azure-native:compute:VirtualMachineScaleSet"
TIERS = ("compute", "gpu", "memory")


def scale_set(plan, tier: str) -> dict:
    return plan.named(f"az-compute-{tier}-vmss").inputs


def autoscale_capacity(plan, tier: str) -> dict:
    """The capacity of the default (first, unscheduled) profile."""
    profile = plan.named(f"az-compute-{tier}-autoscale").inputs["profiles"][0]
    assert "recurrence" not in profile
    return profile["capacity"]


def test_there_is_one_flexible_scale_set_per_tier_with_the_configured_size(azure_dev):
    sizes = {r.inputs["sku"]["name"] for r in azure_dev.of_type(VMSS)}
    assert sizes == {"Standard_D8s_v3", "Standard_NC4as_T4_v3", "Standard_E16s_v3"}
    assert all(r.inputs["orchestrationMode"] == "Flexible" for r in azure_dev.of_type(VMSS))


@pytest.mark.parametrize("tier", TIERS)
def test_scale_sets_use_ssh_keys_only(azure_dev, tier):
    linux = scale_set(azure_dev, tier)["virtualMachineProfile"]["osProfile"]["linuxConfiguration"]
    assert linux["disablePasswordAuthentication"] is True
    assert linux["ssh"]["publicKeys"][0]["keyData"].startswith("ssh-ed25519 ")
    assert "adminPassword" not in scale_set(azure_dev, tier)["virtualMachineProfile"]["osProfile"]


@pytest.mark.parametrize("tier", TIERS)
def test_scale_sets_encrypt_at_host_and_use_trusted_launch_with_secure_boot_and_vtpm(azure_dev, tier):
    security = scale_set(azure_dev, tier)["virtualMachineProfile"]["securityProfile"]
    assert security["encryptionAtHost"] is True
    assert security["securityType"] == "TrustedLaunch"
    assert security["uefiSettings"] == {"secureBootEnabled": True, "vTpmEnabled": True}


@pytest.mark.parametrize("tier", TIERS)
def test_scale_set_nics_have_no_public_ip(azure_dev, tier):
    (nic,) = scale_set(azure_dev, tier)["virtualMachineProfile"]["networkProfile"]["networkInterfaceConfigurations"]
    for ip in nic["ipConfigurations"]:
        assert "publicIPAddressConfiguration" not in ip and "publicIpAddressConfiguration" not in ip
        assert ip["subnet"]["id"].endswith("/subnets/tiers")


@pytest.mark.parametrize("tier", TIERS)
def test_automatic_repair_is_on_with_the_application_health_extension(azure_dev, tier):
    vmss = scale_set(azure_dev, tier)
    assert vmss["automaticRepairsPolicy"]["enabled"] is True
    (ext,) = vmss["virtualMachineProfile"]["extensionProfile"]["extensions"]
    assert (ext["publisher"], ext["type"]) == ("Microsoft.ManagedServices", "ApplicationHealthLinux")


def test_dev_runs_every_tier_on_spot_with_delete_eviction_and_no_price_cap(azure_dev):
    for tier in TIERS:
        profile = scale_set(azure_dev, tier)["virtualMachineProfile"]
        assert profile["priority"] == "Spot"
        assert profile["evictionPolicy"] == "Delete"
        assert profile["billingProfile"]["maxPrice"] == -1


def test_prod_keeps_compute_and_memory_on_demand_and_only_gpu_on_spot(azure_prod):
    assert scale_set(azure_prod, "compute")["virtualMachineProfile"]["priority"] == "Regular"
    assert scale_set(azure_prod, "memory")["virtualMachineProfile"]["priority"] == "Regular"
    assert "evictionPolicy" not in scale_set(azure_prod, "compute")["virtualMachineProfile"]
    assert scale_set(azure_prod, "gpu")["virtualMachineProfile"]["priority"] == "Spot"


def test_autoscale_limits_follow_the_environment_profiles(azure_dev, azure_prod):
    assert autoscale_capacity(azure_dev, "compute") == {"minimum": "1", "maximum": "2", "default": "1"}
    assert autoscale_capacity(azure_dev, "gpu") == {"minimum": "0", "maximum": "1", "default": "0"}
    assert autoscale_capacity(azure_prod, "compute") == {"minimum": "2", "maximum": "8", "default": "2"}
    assert autoscale_capacity(azure_prod, "gpu") == {"minimum": "2", "maximum": "4", "default": "2"}


def test_autoscale_settings_are_enabled_and_scale_on_cpu_both_ways(azure_dev):
    setting = azure_dev.named("az-compute-compute-autoscale").inputs
    assert setting["enabled"] is True
    assert setting["targetResourceUri"].endswith("/virtualMachineScaleSets/qmoi-dev-compute")
    rules = setting["profiles"][0]["rules"]
    directions = {r["scaleAction"]["direction"]: r["metricTrigger"] for r in rules}
    assert directions["Increase"]["metricName"] == "Percentage CPU"
    assert directions["Increase"]["threshold"] == 60
    assert directions["Decrease"]["operator"] == "LessThan"


def test_the_nsg_denies_ssh_and_rdp_from_the_internet_and_allows_nothing_inbound(azure_dev):
    (nsg,) = azure_dev.of_type("azure-native:network:NetworkSecurityGroup")
    rules = nsg.inputs["securityRules"]
    inbound_allows = [r for r in rules if r["direction"] == "Inbound" and r["access"] == "Allow"]
    assert inbound_allows == []
    denied = {
        r["destinationPortRange"] for r in rules if r["access"] == "Deny" and r["sourceAddressPrefix"] == "Internet"
    }
    assert denied == {"22", "3389"}


def test_both_subnets_carry_the_nsg_and_have_no_default_outbound_access(azure_dev):
    for subnet in azure_dev.of_type("azure-native:network:Subnet"):
        assert subnet.inputs["networkSecurityGroup"]["id"].endswith("/networkSecurityGroups/qmoi-dev-tiers-nsg")
        assert subnet.inputs["defaultOutboundAccess"] is False
    functions = azure_dev.named("az-network-functions").inputs
    assert functions["delegations"][0]["serviceName"] == "Microsoft.App/environments"


def test_every_environment_gets_a_nat_gateway_on_both_subnets_for_egress(azure_dev, azure_prod):
    for plan in (azure_dev, azure_prod):
        (nat,) = plan.of_type("azure-native:network:NatGateway")
        for subnet in plan.of_type("azure-native:network:Subnet"):
            assert subnet.inputs["natGateway"]["id"] == nat.id
            assert subnet.inputs["defaultOutboundAccess"] is False
