"""GCP network and compute on the mock runtime: firewall sources, NAT, shielded VMs, no external IPs,
GPU accelerator and maintenance policy, spot, autohealing and autoscaler limits per environment."""

from __future__ import annotations

import pytest

from components.context import StackContext
from components.gcp.compute import HEALTH_CHECK_PORT, GcpCompute, GcpComputeArgs
from components.gcp.network import GcpNetwork, GcpNetworkArgs
from components.specs import tier_specs
from infra.config import Tier
from tests.conftest import make_config

TEMPLATE = "gcp:compute/instanceTemplate:InstanceTemplate"
MANAGEMENT_PORTS = {"22", "3389"}


def build(record_component, environment: str, cmek_key: str | None = None):
    config = make_config(environment)
    ctx = StackContext.from_config(config)
    machines = config.gcp.compute_instances.machines()
    scaling = {t: getattr(config.autoscaling, t.value) for t in Tier}

    def program() -> None:
        network = GcpNetwork(
            "net",
            GcpNetworkArgs("10.30.0.0/20", "us-central1", config.network.nat_gateway, HEALTH_CHECK_PORT),
            ctx,
        )
        GcpCompute(
            "cmp",
            GcpComputeArgs(
                tiers=tier_specs({t: m.machine_type for t, m in machines.items()}, scaling),
                machines=machines,
                region="us-central1",
                project="qmoi-test-project",
                subnetwork=network.subnetwork.id,
                network_tag=network.tier_tag,
                kms_key=cmek_key,
                project_number="123456789012" if cmek_key else None,
            ),
            ctx,
        )

    return record_component(program, stack=environment)


@pytest.fixture(scope="module")
def dev(record_component):
    return build(record_component, "dev")


@pytest.fixture(scope="module")
def prod(record_component):
    return build(record_component, "prod")


def template(plan, tier: str):
    return plan.named(f"cmp-{tier}-template")


def test_the_vpc_is_custom_mode_with_one_subnetwork_with_private_google_access(dev):
    (network,) = dev.of_type("gcp:compute/network:Network")
    assert network.inputs["autoCreateSubnetworks"] is False
    (subnet,) = dev.of_type("gcp:compute/subnetwork:Subnetwork")
    assert subnet.inputs["privateIpGoogleAccess"] is True
    assert subnet.inputs["ipCidrRange"] == "10.30.0.0/20"
    assert subnet.inputs["logConfig"]["flowSampling"] == 0.1  # the dev profile's light sampling


def test_firewall_allows_only_health_check_and_iap_ranges_and_never_the_internet(dev, prod):
    for plan in (dev, prod):
        rules = plan.of_type("gcp:compute/firewall:Firewall")
        assert {r.inputs["direction"] for r in rules} == {"INGRESS"}
        sources = {s for r in rules for s in r.inputs["sourceRanges"]}
        assert sources == {"35.191.0.0/16", "130.211.0.0/22", "35.235.240.0/20"}
        for rule in rules:
            assert "0.0.0.0/0" not in rule.inputs["sourceRanges"]
            assert rule.inputs["targetTags"] == [f"qmoi-{plan.stack}-tier"]


def test_no_rule_opens_a_management_port_to_anything_but_google_ranges(dev):
    for rule in dev.of_type("gcp:compute/firewall:Firewall"):
        ports = {p for allow in rule.inputs["allows"] for p in allow["ports"]}
        if ports & MANAGEMENT_PORTS:
            assert set(rule.inputs["sourceRanges"]) <= {"35.235.240.0/20", "35.191.0.0/16", "130.211.0.0/22"}
        assert "3389" not in ports


def test_cloud_nat_exists_only_where_the_profile_asks_for_it(dev, prod):
    assert dev.of_type("gcp:compute/routerNat:RouterNat") == []
    (nat,) = prod.of_type("gcp:compute/routerNat:RouterNat")
    assert nat.inputs["sourceSubnetworkIpRangesToNat"] == "LIST_OF_SUBNETWORKS"
    assert nat.inputs["natIpAllocateOption"] == "AUTO_ONLY"


def test_every_template_is_a_shielded_vm_without_external_ip_and_with_os_login(dev):
    for record in dev.of_type(TEMPLATE):
        assert record.inputs["shieldedInstanceConfig"] == {
            "enableSecureBoot": True,
            "enableVtpm": True,
            "enableIntegrityMonitoring": True,
        }
        (nic,) = record.inputs["networkInterfaces"]
        assert "accessConfigs" not in nic and "ipv6AccessConfigs" not in nic
        assert record.inputs["metadata"]["enable-oslogin"] == "TRUE"
        assert record.inputs["metadata"]["block-project-ssh-keys"] == "TRUE"


def test_machine_types_come_from_config_and_the_gpu_tier_adds_its_accelerator(dev):
    assert template(dev, "compute").inputs["machineType"] == "n1-standard-8"
    assert template(dev, "memory").inputs["machineType"] == "n1-highmem-16"
    gpu = template(dev, "gpu")
    assert gpu.inputs["machineType"] == "n1-standard-4"
    assert gpu.inputs["guestAccelerators"] == [{"type": "nvidia-tesla-t4", "count": 1}]
    assert "guestAccelerators" not in template(dev, "compute").inputs


def test_the_gpu_tier_terminates_on_host_maintenance_even_on_demand(dev, prod):
    for plan in (dev, prod):
        assert template(plan, "gpu").inputs["scheduling"]["onHostMaintenance"] == "TERMINATE"
    assert template(prod, "compute").inputs["scheduling"]["onHostMaintenance"] == "MIGRATE"


def test_spot_tiers_use_spot_provisioning_and_on_demand_tiers_do_not(dev, prod):
    for tier in ("compute", "gpu", "memory"):
        scheduling = template(dev, tier).inputs["scheduling"]
        assert scheduling["provisioningModel"] == "SPOT"
        assert scheduling["instanceTerminationAction"] == "DELETE"
        assert scheduling["automaticRestart"] is False
    assert template(prod, "gpu").inputs["scheduling"]["provisioningModel"] == "SPOT"
    on_demand = template(prod, "compute").inputs["scheduling"]
    assert on_demand["provisioningModel"] == "STANDARD" and on_demand["preemptible"] is False


def test_boot_disks_use_google_encryption_by_default_and_the_kms_key_when_given(dev, record_component):
    disk = template(dev, "compute").inputs["disks"][0]
    assert disk["boot"] is True and disk["diskType"] == "pd-balanced"
    assert "diskEncryptionKey" not in disk
    key = "projects/p/locations/us-central1/keyRings/r/cryptoKeys/storage"
    plan = build(record_component, "dev", cmek_key=key)
    assert template(plan, "gpu").inputs["disks"][0]["diskEncryptionKey"] == {"kmsKeySelfLink": key}
    grant = plan.named("cmp-key-compute-agent")
    assert grant.inputs["member"] == "serviceAccount:service-123456789012@compute-system.iam.gserviceaccount.com"
    assert grant.urn in template(plan, "gpu").dependencies


def test_instances_run_as_a_service_account_that_may_only_write_logs_and_metrics(dev):
    roles = sorted(r.inputs["role"] for r in dev.of_type("gcp:projects/iAMMember:IAMMember"))
    assert roles == ["roles/logging.logWriter", "roles/monitoring.metricWriter"]
    email = template(dev, "compute").inputs["serviceAccount"]["email"]
    assert email == "qmoi-dev-tiers@qmoi-enhanced.iam.gserviceaccount.com"


def test_each_tier_has_a_regional_group_with_autohealing_on_the_health_check(dev):
    groups = dev.of_type("gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager")
    assert sorted(g.inputs["name"] for g in groups) == ["qmoi-dev-compute", "qmoi-dev-gpu", "qmoi-dev-memory"]
    health = dev.named("cmp-health")
    assert health.inputs["tcpHealthCheck"]["port"] == HEALTH_CHECK_PORT
    for group in groups:
        assert group.inputs["autoHealingPolicies"]["healthCheck"].endswith("/healthChecks/qmoi-dev-tier-health")
        assert "targetSize" not in group.inputs  # the autoscaler owns the size
        assert "?uniqueId=" in group.inputs["versions"][0]["instanceTemplate"]


def test_autoscaler_limits_and_cpu_target_follow_the_environment_profile(dev, prod):
    def policy(plan, tier: str) -> dict:
        return plan.named(f"cmp-{tier}-autoscaler").inputs["autoscalingPolicy"]

    assert (policy(dev, "compute")["minReplicas"], policy(dev, "compute")["maxReplicas"]) == (1, 2)
    assert (policy(dev, "gpu")["minReplicas"], policy(dev, "gpu")["maxReplicas"]) == (0, 1)
    assert (policy(prod, "compute")["minReplicas"], policy(prod, "compute")["maxReplicas"]) == (2, 8)
    assert (policy(prod, "gpu")["minReplicas"], policy(prod, "gpu")["maxReplicas"]) == (2, 4)
    for tier in ("compute", "gpu", "memory"):
        assert policy(prod, tier)["cpuUtilization"]["target"] == 0.6
        assert policy(prod, tier)["scaleInControl"] == {"maxScaledInReplicas": {"fixed": 1}, "timeWindowSec": 600}


def test_templates_and_disks_carry_the_required_labels_and_tier(dev):
    for tier in ("compute", "gpu", "memory"):
        inputs = template(dev, tier).inputs
        for labels in (inputs["labels"], inputs["disks"][0]["labels"]):
            assert {"environment", "project", "owner", "cost-center"} <= set(labels)
            assert labels["tier"] == tier
