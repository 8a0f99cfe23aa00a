"""Azure compute: per tier a Flexible-orchestration scale set and an autoscale setting.

Flexible orchestration (rather than Uniform) because it is what Microsoft recommends for
new scale sets and supports everything here at once: autoscale, Spot with a regular mix,
automatic instance repairs, Trusted Launch and spreading across availability zones.

Per scale set, by default:
- Ubuntu 22.04 LTS gen2 (Trusted Launch needs a generation 2 image); SSH keys only,
  password authentication disabled; no public IP on any NIC;
- encryption at host (temp disk and caches encrypted on the host; needs the subscription
  feature Microsoft.Compute/EncryptionAtHost registered, see docs/azure.md);
- Trusted Launch (secure boot + vTPM) where the size series supports it. NCasT4_v3 does
  (Microsoft's Trusted Launch size table lists it); the sizes in TRUSTED_LAUNCH_UNSUPPORTED
  fall back to Standard security with a warning;
- the Application Health extension probing tcp/22 (the VM has booted and sshd answers) so
  automatic instance repair can replace a dead VM without the workload defining an HTTP
  health endpoint; repairs start after a 30 minute grace period;
- Spot priority with eviction Delete and max price -1 (pay up to on-demand, evicted only
  for capacity) on tiers configured as spot;
- capacity from `autoscaling.<tier>`; the autoscale setting owns it afterwards
  (`sku.capacity` is ignored on update): scale out by one when average CPU exceeds the
  tier's target for 5 minutes, in by one when it stays 25 points below it for 10 minutes.
  A tier with minimum 0 emits no CPU metric, so CPU rules alone would never wake it: such a
  tier also gets its `autoscaling.<tier>.schedule` (the one AWS and GCP follow) as two weekly
  recurring profiles: `busy` from `start_hour` holds `instances`, `idle` from `end_hour` lets it
  go back to zero, on the schedule's days, in its time zone as the Windows id Azure takes
  (`AZURE_TIME_ZONES`). Raise the minimum for a tier that must always answer.
- predictive autoscale on the setting (`autoscaling.<tier>.predictive`): `ForecastOnly` (forecasts
  to review) or `Enabled` (scale out PREDICTIVE_LEAD_MINUTES ahead of the forecast CPU load; scale-in
  stays with the CPU rules). Azure predicts from the scale set's `Percentage CPU` average, the
  metric of the scale-out rule it requires, and needs 7 days of it; validation keeps it off on a
  tier that can sit at zero. Free, like autoscale itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native.compute as compute
import pulumi_azure_native.monitor as monitor

from components.context import StackContext
from components.specs import PREDICTIVE_LEAD_MINUTES, TierSpec
from infra.config import AZURE_TIME_ZONES, PredictiveMode, ScaleSchedule, Tier

IMAGE = compute.ImageReferenceArgs(
    publisher="Canonical", offer="0001-com-ubuntu-server-jammy", sku="22_04-lts-gen2", version="latest"
)
OS_DISK_GB = {Tier.compute: 64, Tier.memory: 64, Tier.gpu: 128}
# Size series Trusted Launch does not support (Microsoft's "Trusted launch" size table).
TRUSTED_LAUNCH_UNSUPPORTED = ("Standard_ND96asr_v4", "Standard_ND96amsr_A100_v4", "Standard_M")
HEALTH_PROBE = {"protocol": "tcp", "port": 22}
REPAIR_GRACE = "PT30M"
SCALE_IN_MARGIN = 25
PREDICTIVE_MODES = {
    PredictiveMode.off: monitor.PredictiveAutoscalePolicyScaleMode.DISABLED,
    PredictiveMode.forecast: monitor.PredictiveAutoscalePolicyScaleMode.FORECAST_ONLY,
    PredictiveMode.scale: monitor.PredictiveAutoscalePolicyScaleMode.ENABLED,
}
DAY_NAMES = {
    "MON": "Monday",
    "TUE": "Tuesday",
    "WED": "Wednesday",
    "THU": "Thursday",
    "FRI": "Friday",
    "SAT": "Saturday",
    "SUN": "Sunday",
}


def recurrences(schedule: ScaleSchedule) -> dict[str, tuple[int, monitor.RecurrenceArgs]]:
    """The schedule as Azure recurring profiles, {label: (minimum, recurrence)}: `busy` from its start hour
    holds its instances, `idle` from its end hour goes back to zero. A recurring profile lasts until the next
    one starts; hours are 0-23 (the schedule's validation keeps them there)."""

    def weekly(hour: int) -> monitor.RecurrenceArgs:
        return monitor.RecurrenceArgs(
            frequency=monitor.RecurrenceFrequency.WEEK,
            schedule=monitor.RecurrentScheduleArgs(
                days=[DAY_NAMES[d] for d in schedule.weekdays],
                hours=[hour],
                minutes=[0],
                time_zone=AZURE_TIME_ZONES[schedule.time_zone],
            ),
        )

    return {
        "busy": (schedule.instances, weekly(schedule.start_hour)),
        "idle": (0, weekly(schedule.end_hour)),
    }


@dataclass(frozen=True)
class AzureComputeArgs:
    resource_group_name: pulumi.Input[str]
    location: str
    tiers: list[TierSpec]
    subnet_id: pulumi.Input[str]
    zones: int
    admin_username: str
    ssh_public_keys: list[str]


def supports_trusted_launch(size: str) -> bool:
    return not size.startswith(TRUSTED_LAUNCH_UNSUPPORTED)


def cpu_rule(
    scale_set_id: pulumi.Input[str], direction: monitor.ScaleDirection, threshold: int, window: str
) -> monitor.ScaleRuleArgs:
    return monitor.ScaleRuleArgs(
        metric_trigger=monitor.MetricTriggerArgs(
            metric_name="Percentage CPU",
            metric_namespace="microsoft.compute/virtualmachinescalesets",
            metric_resource_uri=scale_set_id,
            operator=monitor.ComparisonOperationType.GREATER_THAN
            if direction == monitor.ScaleDirection.INCREASE
            else monitor.ComparisonOperationType.LESS_THAN,
            statistic=monitor.MetricStatisticType.AVERAGE,
            threshold=threshold,
            time_aggregation=monitor.TimeAggregationType.AVERAGE,
            time_grain="PT1M",
            time_window=window,
        ),
        scale_action=monitor.ScaleActionArgs(
            direction=direction, type=monitor.ScaleType.CHANGE_COUNT, value="1", cooldown="PT5M"
        ),
    )


class AzureCompute(pulumi.ComponentResource):
    groups: dict[Tier, compute.VirtualMachineScaleSet]
    autoscalers: dict[Tier, monitor.AutoscaleSetting]
    predictive_modes: dict[Tier, str]

    def __init__(
        self, name: str, args: AzureComputeArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:azure:Compute", name, None, opts)
        self.groups = {}
        self.autoscalers = {}
        self.predictive_modes = {spec.tier: PREDICTIVE_MODES[spec.predictive].value for spec in args.tiers}
        for spec in args.tiers:
            self.groups[spec.tier] = self._scale_set(name, spec, args, ctx)
            self.autoscalers[spec.tier] = self._autoscale(name, spec, args, ctx)
        self.register_outputs({f"{t.value}_scale_set": s.name for t, s in self.groups.items()})

    def _security(self, name: str, spec: TierSpec) -> compute.SecurityProfileArgs:
        if supports_trusted_launch(spec.size):
            return compute.SecurityProfileArgs(
                encryption_at_host=True,
                security_type="TrustedLaunch",
                uefi_settings=compute.UefiSettingsArgs(secure_boot_enabled=True, v_tpm_enabled=True),
            )
        pulumi.log.warn(f"{name}: {spec.size} does not support Trusted Launch; Standard security type used")
        return compute.SecurityProfileArgs(encryption_at_host=True)

    def _scale_set(
        self, name: str, spec: TierSpec, args: AzureComputeArgs, ctx: StackContext
    ) -> compute.VirtualMachineScaleSet:
        tier = spec.tier.value
        role = f"{name}-{tier}"
        return compute.VirtualMachineScaleSet(
            f"{role}-vmss",
            vm_scale_set_name=f"{ctx.prefix}-{tier}",
            resource_group_name=args.resource_group_name,
            location=args.location,
            orchestration_mode="Flexible",
            platform_fault_domain_count=1,
            single_placement_group=False,
            zones=[str(z) for z in range(1, args.zones + 1)],
            sku=compute.SkuArgs(name=spec.size, tier="Standard", capacity=spec.scaling.desired),
            automatic_repairs_policy=compute.AutomaticRepairsPolicyArgs(
                enabled=True, grace_period=REPAIR_GRACE, repair_action="Replace"
            ),
            scale_in_policy=compute.ScaleInPolicyArgs(rules=["Default"], force_deletion=False),
            upgrade_policy=compute.UpgradePolicyArgs(mode=compute.UpgradeMode.MANUAL),
            virtual_machine_profile=compute.VirtualMachineScaleSetVMProfileArgs(
                os_profile=compute.VirtualMachineScaleSetOSProfileArgs(
                    computer_name_prefix=f"qmoi{tier[:3]}",
                    admin_username=args.admin_username,
                    linux_configuration=compute.LinuxConfigurationArgs(
                        disable_password_authentication=True,
                        provision_vm_agent=True,
                        ssh=compute.SshConfigurationArgs(
                            public_keys=[
                                compute.SshPublicKeyArgs(
                                    key_data=key, path=f"/home/{args.admin_username}/.ssh/authorized_keys"
                                )
                                for key in args.ssh_public_keys
                            ]
                        ),
                    ),
                ),
                storage_profile=compute.VirtualMachineScaleSetStorageProfileArgs(
                    image_reference=IMAGE,
                    os_disk=compute.VirtualMachineScaleSetOSDiskArgs(
                        create_option="FromImage",
                        caching=compute.CachingTypes.READ_WRITE,
                        delete_option="Delete",
                        disk_size_gb=OS_DISK_GB[spec.tier],
                        managed_disk=compute.VirtualMachineScaleSetManagedDiskParametersArgs(
                            storage_account_type="Premium_LRS"
                        ),
                    ),
                ),
                security_profile=self._security(role, spec),
                network_profile=compute.VirtualMachineScaleSetNetworkProfileArgs(
                    network_api_version="2020-11-01",
                    network_interface_configurations=[
                        compute.VirtualMachineScaleSetNetworkConfigurationArgs(
                            name=f"{tier}-nic",
                            primary=True,
                            delete_option="Delete",
                            ip_configurations=[
                                compute.VirtualMachineScaleSetIPConfigurationArgs(
                                    name=f"{tier}-ip",
                                    primary=True,
                                    subnet=compute.ApiEntityReferenceArgs(id=args.subnet_id),
                                )
                            ],
                        )
                    ],
                ),
                extension_profile=compute.VirtualMachineScaleSetExtensionProfileArgs(
                    extensions=[
                        compute.VirtualMachineScaleSetExtensionArgs(
                            name="application-health",
                            publisher="Microsoft.ManagedServices",
                            type="ApplicationHealthLinux",
                            type_handler_version="2.0",
                            auto_upgrade_minor_version=True,
                            settings=HEALTH_PROBE,
                        )
                    ]
                ),
                diagnostics_profile=compute.DiagnosticsProfileArgs(
                    boot_diagnostics=compute.BootDiagnosticsArgs(enabled=True)
                ),
                priority="Spot" if spec.spot else "Regular",
                eviction_policy="Delete" if spec.spot else None,
                billing_profile=compute.BillingProfileArgs(max_price=-1) if spec.spot else None,
            ),
            tags=ctx.tags_with(tier=tier),
            opts=ctx.child(self, ignore_changes=["sku.capacity"]),
        )

    def _autoscale(
        self, name: str, spec: TierSpec, args: AzureComputeArgs, ctx: StackContext
    ) -> monitor.AutoscaleSetting:
        tier = spec.tier.value
        scaling = spec.scaling
        scale_set_id = self.groups[spec.tier].id
        rules = [
            cpu_rule(scale_set_id, monitor.ScaleDirection.INCREASE, scaling.cpu_target_percent, "PT5M"),
            cpu_rule(
                scale_set_id,
                monitor.ScaleDirection.DECREASE,
                max(scaling.cpu_target_percent - SCALE_IN_MARGIN, 5),
                "PT10M",
            ),
        ]

        def capacity(minimum: int) -> monitor.ScaleCapacityArgs:
            return monitor.ScaleCapacityArgs(
                minimum=str(minimum), maximum=str(scaling.max), default=str(max(minimum, scaling.desired))
            )

        # The default profile first: the cost model reads its minimum.
        profiles = [monitor.AutoscaleProfileArgs(name=f"{tier}-cpu", capacity=capacity(scaling.min), rules=rules)]
        if scaling.min == 0 and scaling.schedule is not None:
            profiles += [
                monitor.AutoscaleProfileArgs(
                    name=f"{tier}-{label}", capacity=capacity(minimum), rules=rules, recurrence=recurrence
                )
                for label, (minimum, recurrence) in recurrences(scaling.schedule).items()
            ]
        return monitor.AutoscaleSetting(
            f"{name}-{tier}-autoscale",
            autoscale_setting_name=f"{ctx.prefix}-{tier}-autoscale",
            resource_group_name=args.resource_group_name,
            location=args.location,
            enabled=True,
            target_resource_uri=scale_set_id,
            profiles=profiles,
            predictive_autoscale_policy=monitor.PredictiveAutoscalePolicyArgs(
                scale_mode=PREDICTIVE_MODES[spec.predictive],
                scale_look_ahead_time=f"PT{PREDICTIVE_LEAD_MINUTES}M"
                if spec.predictive is not PredictiveMode.off
                else None,
            ),
            tags=ctx.tags_with(tier=tier),
            opts=ctx.child(self),
        )
