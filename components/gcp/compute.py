"""GCP compute: per tier an instance template, a regional managed instance group and an autoscaler.

Defaults per instance template:
- the tier's machine type; a GPU tier adds its guest accelerator (GCP attaches GPUs to a
  machine type rather than selling "GPU machine types", except the A2/G2 families) and
  every GPU tier uses `onHostMaintenance: TERMINATE`, since GPU VMs cannot live-migrate;
- Shielded VM with Secure Boot, vTPM and integrity monitoring; the GPU image is
  Container-Optimized OS, whose NVIDIA drivers (`cos-extensions install gpu`) are signed,
  so Secure Boot stays on;
- no access config on the network interface, hence no external IP; OS Login on and
  project-wide SSH keys blocked: SSH is IAM-controlled and arrives through IAP only;
- a pd-balanced boot disk, encrypted at rest by Google by default and with the stack's
  KMS key when `gcp.cmek` is set (the Compute Engine service agent gets
  encrypter/decrypter on it);
- spot provisioning for tiers configured so (`provisioningModel: SPOT`, instances deleted
  on preemption and recreated by the group when capacity returns);
- a dedicated service account allowed only to write logs and metrics.

Per group: regional (instances spread over the region's zones; the GPU tier lets the group
pick zones with capacity), autohealing on a TCP health check, proactive rolling updates,
and an autoscaler with the tier's CPU target, min/max from the environment's profile and
scale-in control (at most one instance removed per 10 minutes), and predictive autoscaling
where the tier asks to scale on forecasts (`autoscaling.<tier>.predictive: scale` ->
`OPTIMIZE_AVAILABILITY`: the autoscaler scales out ahead of daily and weekly CPU patterns, using
the tier's cooldown as its initialization time; free of charge, CPU-only, and it needs 3 days of
the group's CPU history). GCP has no forecast-only mode: `forecast` leaves it off (`NONE`; the
console's "predictive autoscaling suitability" view reads the same history). A tier with min 0 also gets
its schedule as a scaling schedule (the schedule's instances during its window): CPU
utilisation is a per-instance metric with no data at zero instances, so CPU alone would
never start the tier. The health check probes
the SSH port: VM liveness that works before any workload is deployed; point it at the
workload's port once one serves there.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.context import StackContext
from components.specs import TierSpec
from infra.config import GcpMachine, PredictiveMode, Tier

DEFAULT_IMAGE = "debian-cloud/debian-12"
GPU_IMAGE = "cos-cloud/cos-stable"
GPU_STARTUP = "#!/bin/bash\ncos-extensions install gpu\n"
BOOT_DISK_GB = {Tier.compute: 30, Tier.memory: 30, Tier.gpu: 100}
HEALTH_CHECK_PORT = 22
INSTANCE_ROLES = ("roles/logging.logWriter", "roles/monitoring.metricWriter")
COOLDOWN_S = {Tier.compute: 120, Tier.memory: 180, Tier.gpu: 300}
SCALE_IN_WINDOW_S = 600
AUTOHEAL_DELAY_S = 300
ENCRYPTER_DECRYPTER = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
# GCP predicts on CPU and only scales with it (no forecast-only mode).
PREDICTIVE_METHODS = {PredictiveMode.scale: "OPTIMIZE_AVAILABILITY"}
NO_PREDICTION = "NONE"


@dataclass(frozen=True)
class GcpComputeArgs:
    tiers: list[TierSpec]
    machines: dict[Tier, GcpMachine]
    region: str
    project: str
    subnetwork: pulumi.Input[str]
    network_tag: str
    kms_key: pulumi.Input[str] | None = None
    project_number: pulumi.Input[str] | None = None


def is_gpu(spec: TierSpec, machine: GcpMachine) -> bool:
    return spec.tier is Tier.gpu or machine.accelerator is not None


def scheduling(spec: TierSpec, machine: GcpMachine) -> gcp.compute.InstanceTemplateSchedulingArgs:
    """Spot or standard; GPU VMs terminate on host maintenance instead of migrating."""
    terminate = spec.spot or is_gpu(spec, machine)
    return gcp.compute.InstanceTemplateSchedulingArgs(
        provisioning_model="SPOT" if spec.spot else "STANDARD",
        preemptible=spec.spot,
        automatic_restart=not spec.spot,
        instance_termination_action="DELETE" if spec.spot else None,
        on_host_maintenance="TERMINATE" if terminate else "MIGRATE",
    )


class GcpCompute(pulumi.ComponentResource):
    service_account: gcp.serviceaccount.Account
    health_check: gcp.compute.HealthCheck
    templates: dict[Tier, gcp.compute.InstanceTemplate]
    groups: dict[Tier, gcp.compute.RegionInstanceGroupManager]
    autoscalers: dict[Tier, gcp.compute.RegionAutoscaler]
    predictive_modes: dict[Tier, str]

    def __init__(
        self, name: str, args: GcpComputeArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:gcp:Compute", name, None, opts)
        self.service_account = gcp.serviceaccount.Account(
            f"{name}-instances",
            account_id=f"{ctx.prefix}-tiers",
            display_name=f"qmoi {ctx.environment} tier instances: logs and metrics only",
            opts=ctx.child(self),
        )
        for role in INSTANCE_ROLES:
            gcp.projects.IAMMember(
                f"{name}-instances-{role.split('/')[1].replace('.', '-').lower()}",
                project=args.project,
                role=role,
                member=self.service_account.member,
                opts=ctx.child(self),
            )
        disk_key_grant: list[pulumi.Resource] = []
        if args.kms_key is not None and args.project_number is not None:
            agent = pulumi.Output.concat(
                "serviceAccount:service-", args.project_number, "@compute-system.iam.gserviceaccount.com"
            )
            disk_key_grant.append(
                gcp.kms.CryptoKeyIAMMember(
                    f"{name}-key-compute-agent",
                    crypto_key_id=args.kms_key,
                    role=ENCRYPTER_DECRYPTER,
                    member=agent,
                    opts=ctx.child(self),
                )
            )
        self.health_check = gcp.compute.HealthCheck(
            f"{name}-health",
            name=f"{ctx.prefix}-tier-health",
            check_interval_sec=10,
            timeout_sec=5,
            healthy_threshold=2,
            unhealthy_threshold=3,
            tcp_health_check=gcp.compute.HealthCheckTcpHealthCheckArgs(port=HEALTH_CHECK_PORT),
            opts=ctx.child(self),
        )
        self.templates, self.groups, self.autoscalers, self.predictive_modes = {}, {}, {}, {}
        for spec in args.tiers:
            machine = args.machines[spec.tier]
            template = self._template(name, spec, machine, args, ctx, disk_key_grant)
            group = self._group(name, spec, machine, template, args, ctx)
            self.templates[spec.tier] = template
            self.groups[spec.tier] = group
            self.predictive_modes[spec.tier] = PREDICTIVE_METHODS.get(spec.predictive, NO_PREDICTION)
            self.autoscalers[spec.tier] = self._autoscaler(name, spec, group, args, ctx)
        self.register_outputs({f"{t.value}_group": g.name for t, g in self.groups.items()})

    def _template(
        self,
        name: str,
        spec: TierSpec,
        machine: GcpMachine,
        args: GcpComputeArgs,
        ctx: StackContext,
        disk_key_grant: list[pulumi.Resource],
    ) -> gcp.compute.InstanceTemplate:
        tier = spec.tier.value
        labels = ctx.tags_with(tier=tier)
        gpu = is_gpu(spec, machine)
        metadata = {"enable-oslogin": "TRUE", "block-project-ssh-keys": "TRUE"}
        if gpu:
            metadata["startup-script"] = GPU_STARTUP
        disk_key = (
            gcp.compute.InstanceTemplateDiskDiskEncryptionKeyArgs(kms_key_self_link=args.kms_key)
            if args.kms_key is not None
            else None
        )
        accelerators = None
        if machine.accelerator:
            count = machine.accelerator_count
            accelerators = [gcp.compute.InstanceTemplateGuestAcceleratorArgs(type=machine.accelerator, count=count)]
        return gcp.compute.InstanceTemplate(
            f"{name}-{tier}-template",
            name_prefix=f"{ctx.prefix}-{tier}-",
            description=f"qmoi {ctx.environment} {tier} tier",
            machine_type=machine.machine_type,
            region=args.region,
            labels=labels,
            tags=[args.network_tag],
            metadata=metadata,
            disks=[
                gcp.compute.InstanceTemplateDiskArgs(
                    boot=True,
                    auto_delete=True,
                    source_image=GPU_IMAGE if gpu else DEFAULT_IMAGE,
                    disk_type="pd-balanced",
                    disk_size_gb=BOOT_DISK_GB[spec.tier],
                    disk_encryption_key=disk_key,
                    labels=labels,
                )
            ],
            network_interfaces=[gcp.compute.InstanceTemplateNetworkInterfaceArgs(subnetwork=args.subnetwork)],
            guest_accelerators=accelerators,
            scheduling=scheduling(spec, machine),
            shielded_instance_config=gcp.compute.InstanceTemplateShieldedInstanceConfigArgs(
                enable_secure_boot=True, enable_vtpm=True, enable_integrity_monitoring=True
            ),
            service_account=gcp.compute.InstanceTemplateServiceAccountArgs(
                email=self.service_account.email, scopes=["cloud-platform"]
            ),
            opts=ctx.child(self, depends_on=disk_key_grant),
        )

    def _group(
        self,
        name: str,
        spec: TierSpec,
        machine: GcpMachine,
        template: gcp.compute.InstanceTemplate,
        args: GcpComputeArgs,
        ctx: StackContext,
    ) -> gcp.compute.RegionInstanceGroupManager:
        tier = spec.tier.value
        group_name = f"{ctx.prefix}-{tier}"
        # Zones with free GPU capacity vary; EVEN spreading would fail where the accelerator is out.
        shape = "ANY" if is_gpu(spec, machine) else "EVEN"
        return gcp.compute.RegionInstanceGroupManager(
            f"{name}-{tier}-group",
            name=group_name,
            base_instance_name=group_name,
            region=args.region,
            versions=[
                gcp.compute.RegionInstanceGroupManagerVersionArgs(
                    name="primary", instance_template=template.self_link_unique
                )
            ],
            distribution_policy_target_shape=shape,
            auto_healing_policies=gcp.compute.RegionInstanceGroupManagerAutoHealingPoliciesArgs(
                health_check=self.health_check.id, initial_delay_sec=AUTOHEAL_DELAY_S
            ),
            update_policy=gcp.compute.RegionInstanceGroupManagerUpdatePolicyArgs(
                type="PROACTIVE",
                minimal_action="REPLACE",
                instance_redistribution_type="PROACTIVE" if shape == "EVEN" else "NONE",
                max_surge_fixed=3,
                max_unavailable_fixed=0,
            ),
            wait_for_instances=False,
            opts=ctx.child(self),
        )

    def _autoscaler(
        self,
        name: str,
        spec: TierSpec,
        group: gcp.compute.RegionInstanceGroupManager,
        args: GcpComputeArgs,
        ctx: StackContext,
    ) -> gcp.compute.RegionAutoscaler:
        scaling = spec.scaling
        schedules = None
        if scaling.schedule is not None:
            window = scaling.schedule
            schedules = [
                gcp.compute.RegionAutoscalerAutoscalingPolicyScalingScheduleArgs(
                    name=f"{spec.tier.value}-{window.days.lower()}-{window.start_hour:02d}h",
                    schedule=window.cron(window.start_hour),
                    duration_sec=(window.end_hour - window.start_hour) * 3600,
                    min_required_replicas=window.instances,
                    time_zone=window.time_zone,
                    description=f"qmoi {ctx.environment} {spec.tier.value}: start from zero",
                )
            ]
        return gcp.compute.RegionAutoscaler(
            f"{name}-{spec.tier.value}-autoscaler",
            name=f"{ctx.prefix}-{spec.tier.value}",
            region=args.region,
            target=group.id,
            autoscaling_policy=gcp.compute.RegionAutoscalerAutoscalingPolicyArgs(
                min_replicas=scaling.min,
                max_replicas=scaling.max,
                mode="ON",
                cooldown_period=COOLDOWN_S[spec.tier],
                cpu_utilization=gcp.compute.RegionAutoscalerAutoscalingPolicyCpuUtilizationArgs(
                    target=scaling.cpu_target_percent / 100,
                    predictive_method=PREDICTIVE_METHODS.get(spec.predictive, NO_PREDICTION),
                ),
                scale_in_control=gcp.compute.RegionAutoscalerAutoscalingPolicyScaleInControlArgs(
                    max_scaled_in_replicas=gcp.compute.RegionAutoscalerAutoscalingPolicyScaleInControlMaxScaledInReplicasArgs(
                        fixed=1
                    ),
                    time_window_sec=SCALE_IN_WINDOW_S,
                ),
                scaling_schedules=schedules,
            ),
            opts=ctx.child(self),
        )
