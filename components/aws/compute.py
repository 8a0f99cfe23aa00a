"""AWS compute: per tier a launch template and an autoscaling group in the private subnets.

Defaults per launch template: IMDSv2 required with a hop limit of 1 (containers on the
host cannot reach instance credentials), an encrypted gp3 root volume (the account's EBS
key, which the autoscaling service role can always use), no public IP, detailed
monitoring, and an instance profile limited to SSM Session Manager (no SSH keys at all).

Per group: the tier's min/desired/max, spot through a mixed-instances policy where the
tier is configured so (price-capacity-optimized, capacity rebalancing), a target-tracking
CPU policy, and rolling instance refresh when the template changes. `desired_capacity` is
ignored after creation because the autoscaler owns it. Group metrics (in-service, pending,
desired, min/max instances) are collected every minute, at no charge: AWS publishes none until
a group enables them, and the dashboard's capacity panel reads them.

Predictive scaling (`autoscaling.<tier>.predictive`): a second policy beside the CPU target,
`PredictiveScaling` on the CPU metric pair with the same target, in `ForecastOnly` mode
(forecasts to review, no action) or `ForecastAndScale` (launch capacity up to
PREDICTIVE_LEAD_MINUTES before the forecast load, within the group's maximum). It never scales
in: the target-tracking policy still does. AWS needs 24 hours of the group's CPU history before
it forecasts, so validation keeps it off on a tier that can sit at zero.

What AWS needs of the combination:
- the group names the template's latest version *number*: AWS starts no instance refresh
  for `$Latest`, so a changed template would never reach running instances;
- spot and GPU groups do not make `pulumi up` wait for capacity (`wait_for_capacity_timeout`
  "0", failed scaling activities ignored): spot capacity and G-family quotas (0 vCPU on a new
  account) are outside the program's control, and the group keeps trying on its own.
  On-demand groups wait up to 15 minutes and fail on a failed launch (quota, AMI, subnet);
- a tier with min 0 starts from zero on its schedule (`autoscaling.<tier>.schedule`): CPU
  target tracking has no datapoint while no instance runs, so it alone would never scale
  out. Two scheduled actions set min/desired to the schedule's instances at its start and
  back to 0 at its end; the group ignores later changes to `minSize` the schedule makes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws.policy_documents import assume_role
from components.context import StackContext
from components.specs import PREDICTIVE_LEAD_MINUTES, TierSpec
from infra.config import PredictiveMode, ScaleSchedule, Tier, aws_accelerated

# AMIs resolved by EC2 at launch from public SSM parameters: always current, no lookup here.
AMI_PARAMETERS = {
    Tier.gpu: "resolve:ssm:/aws/service/deeplearning/ami/x86_64/"
    "base-oss-nvidia-driver-gpu-amazon-linux-2023/latest/ami-id",
}
DEFAULT_AMI = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
ROOT_VOLUME_GB = {Tier.compute: 30, Tier.memory: 30, Tier.gpu: 100}
SSM_POLICY_ARN = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
ON_DEMAND_CAPACITY_WAIT = "15m"
PREDICTIVE_MODES = {PredictiveMode.forecast: "ForecastOnly", PredictiveMode.scale: "ForecastAndScale"}
# Group metrics (free), published every minute once enabled (AWS/AutoScaling): a spot or GPU group that never
# reaches its size does not fail `up`, so the capacity alarm watches its in-service count; the dashboard's
# capacity panel reads the rest.
GROUP_METRICS = (
    aws.autoscaling.Metric.GROUP_MIN_SIZE,
    aws.autoscaling.Metric.GROUP_MAX_SIZE,
    aws.autoscaling.Metric.GROUP_DESIRED_CAPACITY,
    aws.autoscaling.Metric.GROUP_IN_SERVICE_INSTANCES,
    aws.autoscaling.Metric.GROUP_PENDING_INSTANCES,
    aws.autoscaling.Metric.GROUP_TOTAL_INSTANCES,
)


@dataclass(frozen=True)
class AwsComputeArgs:
    tiers: list[TierSpec]
    subnet_ids: list[pulumi.Input[str]]
    security_group_id: pulumi.Input[str]


class AwsCompute(pulumi.ComponentResource):
    launch_templates: dict[Tier, aws.ec2.LaunchTemplate]
    groups: dict[Tier, aws.autoscaling.Group]
    predictive: dict[Tier, aws.autoscaling.Policy]
    predictive_modes: dict[Tier, str]

    def __init__(
        self, name: str, args: AwsComputeArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:aws:Compute", name, None, opts)
        role = aws.iam.Role(
            f"{name}-instance-role",
            assume_role_policy=assume_role("ec2.amazonaws.com"),
            description="qmoi tier instances: SSM Session Manager only",
            tags=ctx.tags,
            opts=ctx.child(self),
        )
        aws.iam.RolePolicyAttachment(
            f"{name}-instance-ssm", role=role.name, policy_arn=SSM_POLICY_ARN, opts=ctx.child(self)
        )
        profile = aws.iam.InstanceProfile(
            f"{name}-instance-profile", role=role.name, tags=ctx.tags, opts=ctx.child(self)
        )
        self.launch_templates = {}
        self.groups = {}
        self.predictive = {}
        self.predictive_modes = {}
        for spec in args.tiers:
            template = self._launch_template(name, spec, profile, args, ctx)
            self.launch_templates[spec.tier] = template
            self.groups[spec.tier] = self._group(name, spec, template, args, ctx)
            mode = PREDICTIVE_MODES.get(spec.predictive)
            self.predictive_modes[spec.tier] = mode or "off"
            if mode is not None:
                self.predictive[spec.tier] = self._predictive(name, spec, self.groups[spec.tier], mode, ctx)
        self.register_outputs({f"{t.value}_group": g.name for t, g in self.groups.items()})

    def _launch_template(
        self, name: str, spec: TierSpec, profile: aws.iam.InstanceProfile, args: AwsComputeArgs, ctx: StackContext
    ) -> aws.ec2.LaunchTemplate:
        tier = spec.tier.value
        tags = ctx.tags_with(tier=tier)
        return aws.ec2.LaunchTemplate(
            f"{name}-{tier}-lt",
            name_prefix=f"{ctx.prefix}-{tier}-",
            image_id=AMI_PARAMETERS.get(spec.tier, DEFAULT_AMI),
            instance_type=spec.size,
            update_default_version=True,
            iam_instance_profile=aws.ec2.LaunchTemplateIamInstanceProfileArgs(arn=profile.arn),
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled",
                http_tokens="required",
                http_put_response_hop_limit=1,
                instance_metadata_tags="enabled",
            ),
            block_device_mappings=[
                aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                    device_name="/dev/xvda",
                    ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                        volume_size=ROOT_VOLUME_GB[spec.tier],
                        volume_type="gp3",
                        encrypted="true",
                        delete_on_termination="true",
                    ),
                )
            ],
            network_interfaces=[
                aws.ec2.LaunchTemplateNetworkInterfaceArgs(
                    associate_public_ip_address="false",
                    security_groups=[args.security_group_id],
                    delete_on_termination="true",
                )
            ],
            monitoring=aws.ec2.LaunchTemplateMonitoringArgs(enabled=True),
            tag_specifications=[
                aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=kind, tags=tags)
                for kind in ("instance", "volume")
            ],
            tags=tags,
            opts=ctx.child(self),
        )

    def _group(
        self, name: str, spec: TierSpec, template: aws.ec2.LaunchTemplate, args: AwsComputeArgs, ctx: StackContext
    ) -> aws.autoscaling.Group:
        tier = spec.tier.value
        scaling = spec.scaling
        # A version number (not "$Latest"): AWS starts an instance refresh only when it changes.
        version = template.latest_version.apply(str)
        # Capacity outside the program's control (spot, accelerated quotas) must not hold `up` hostage.
        best_effort = spec.spot or spec.tier is Tier.gpu or aws_accelerated(spec.size) or scaling.min == 0
        mixed_instances_policy = (
            aws.autoscaling.GroupMixedInstancesPolicyArgs(
                instances_distribution=aws.autoscaling.GroupMixedInstancesPolicyInstancesDistributionArgs(
                    on_demand_base_capacity=0,
                    on_demand_percentage_above_base_capacity=0,
                    spot_allocation_strategy="price-capacity-optimized",
                ),
                launch_template=aws.autoscaling.GroupMixedInstancesPolicyLaunchTemplateArgs(
                    launch_template_specification=aws.autoscaling.GroupMixedInstancesPolicyLaunchTemplateLaunchTemplateSpecificationArgs(
                        launch_template_id=template.id, version=version
                    ),
                    overrides=[
                        aws.autoscaling.GroupMixedInstancesPolicyLaunchTemplateOverrideArgs(instance_type=spec.size)
                    ],
                ),
            )
            if spec.spot
            else None
        )
        group = aws.autoscaling.Group(
            f"{name}-{tier}-asg",
            name=f"{ctx.prefix}-{tier}",
            min_size=scaling.min,
            max_size=scaling.max,
            desired_capacity=scaling.desired,
            vpc_zone_identifiers=args.subnet_ids,
            health_check_type="EC2",
            health_check_grace_period=300,
            default_instance_warmup=300,
            instance_refresh=aws.autoscaling.GroupInstanceRefreshArgs(
                strategy="Rolling",
                # Launch before terminate (min 100%, max 200%): a tier at its minimum never dips below it during
                # a refresh, so the capacity alarm does not page on every template or image change
                # (API_RefreshPreferences: MaxHealthyPercentage).
                preferences=aws.autoscaling.GroupInstanceRefreshPreferencesArgs(
                    min_healthy_percentage=100, max_healthy_percentage=200
                ),
            ),
            tags=[
                aws.autoscaling.GroupTagArgs(key=k, value=v, propagate_at_launch=True)
                for k, v in ctx.tags_with(tier=tier).items()
            ],
            enabled_metrics=list(GROUP_METRICS),
            metrics_granularity="1Minute",
            wait_for_capacity_timeout="0" if best_effort else ON_DEMAND_CAPACITY_WAIT,
            ignore_failed_scaling_activities=best_effort,
            # The autoscaler owns the desired capacity, and a schedule owns the minimum of its tier.
            opts=ctx.child(self, ignore_changes=["desiredCapacity", *(["minSize"] if scaling.schedule else [])]),
            mixed_instances_policy=mixed_instances_policy,
            capacity_rebalance=True if spec.spot else None,
            launch_template=None
            if spec.spot
            else aws.autoscaling.GroupLaunchTemplateArgs(id=template.id, version=version),
        )
        if scaling.schedule is not None:
            self._schedule(f"{name}-{tier}", group, scaling.schedule, ctx)
        aws.autoscaling.Policy(
            f"{name}-{tier}-cpu-target",
            autoscaling_group_name=group.name,
            policy_type="TargetTrackingScaling",
            target_tracking_configuration=aws.autoscaling.PolicyTargetTrackingConfigurationArgs(
                predefined_metric_specification=aws.autoscaling.PolicyTargetTrackingConfigurationPredefinedMetricSpecificationArgs(
                    predefined_metric_type="ASGAverageCPUUtilization"
                ),
                target_value=scaling.cpu_target_percent,
            ),
            opts=ctx.child(self),
        )
        return group

    def _predictive(
        self, name: str, spec: TierSpec, group: aws.autoscaling.Group, mode: str, ctx: StackContext
    ) -> aws.autoscaling.Policy:
        """Forecast the tier's CPU load from its history and (ForecastAndScale) launch ahead of it."""
        return aws.autoscaling.Policy(
            f"{name}-{spec.tier.value}-predictive",
            autoscaling_group_name=group.name,
            policy_type="PredictiveScaling",
            predictive_scaling_configuration=aws.autoscaling.PolicyPredictiveScalingConfigurationArgs(
                mode=mode,
                scheduling_buffer_time=str(PREDICTIVE_LEAD_MINUTES * 60),
                max_capacity_breach_behavior="HonorMaxCapacity",
                metric_specification=aws.autoscaling.PolicyPredictiveScalingConfigurationMetricSpecificationArgs(
                    target_value=spec.scaling.cpu_target_percent,
                    predefined_metric_pair_specification=aws.autoscaling.PolicyPredictiveScalingConfigurationMetricSpecificationPredefinedMetricPairSpecificationArgs(
                        predefined_metric_type="ASGCPUUtilization"
                    ),
                ),
            ),
            opts=ctx.child(self),
        )

    def _schedule(self, name: str, group: aws.autoscaling.Group, schedule: ScaleSchedule, ctx: StackContext) -> None:
        """Start the tier's instances at the schedule's start and return to zero at its end."""
        for action, hour, count in (("start", schedule.start_hour, schedule.instances), ("stop", schedule.end_hour, 0)):
            aws.autoscaling.Schedule(
                f"{name}-{action}",
                autoscaling_group_name=group.name,
                scheduled_action_name=f"{action}-{schedule.days.lower()}-{hour:02d}h",
                recurrence=schedule.cron(hour),
                time_zone=schedule.time_zone,
                min_size=count,
                desired_capacity=count,
                max_size=-1,  # leave the group's maximum alone
                opts=ctx.child(self),
            )
