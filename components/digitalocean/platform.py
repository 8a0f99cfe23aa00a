"""DigitalOceanPlatform: the DigitalOcean half of a stack, composed from the capability components.

An explicit provider carries the credentials: `digitalocean:token`, `digitalocean:spacesAccessId`
and `digitalocean:spacesSecretKey` from secret config when set (an explicit provider does not
read the stack's `digitalocean:` config on its own), otherwise the provider's environment
variables DIGITALOCEAN_TOKEN, SPACES_ACCESS_KEY_ID and SPACES_SECRET_ACCESS_KEY. No credential
is ever an argument in code or a plain value in a stack file.

There is no budget component: DigitalOcean has no budget resource; its spend counts against the
stack's limit in the cost model and the policy pack.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_digitalocean as digitalocean

from components.digitalocean.cdn import DigitalOceanCdn, DigitalOceanCdnArgs
from components.digitalocean.compute import DigitalOceanCompute, DigitalOceanComputeArgs, DropletPool
from components.digitalocean.functions import DigitalOceanFunctions, DigitalOceanFunctionsArgs
from components.digitalocean.monitoring import DigitalOceanMonitoring, DigitalOceanMonitoringArgs
from components.digitalocean.network import DigitalOceanNetwork, DigitalOceanNetworkArgs
from components.digitalocean.storage import DigitalOceanStorage, DigitalOceanStorageArgs
from components.platform import ProviderPlatform
from infra.config import BucketClass, DigitalOcean, PlatformConfig, Provider, Tier


class DigitalOceanPlatform(ProviderPlatform):
    PROVIDER = Provider.digitalocean
    PACKAGE = "digitalocean"

    storage: DigitalOceanStorage
    network: DigitalOceanNetwork
    compute: DigitalOceanCompute
    functions: DigitalOceanFunctions
    cdn: DigitalOceanCdn | None
    monitoring: DigitalOceanMonitoring

    def __init__(
        self,
        name: str,
        config: PlatformConfig,
        opts: pulumi.ResourceOptions | None = None,
        *,
        function_secrets: Mapping[str, Mapping[str, pulumi.Output[str]]] | None = None,
    ) -> None:
        # The functions' secret settings, read by infra/config/reading.py (stacks.build passes them).
        self._function_secrets = dict(function_secrets or {})
        super().__init__(name, config, opts)

    def _declare_provider(self, name: str, opts: pulumi.ResourceOptions) -> pulumi.ProviderResource:
        return digitalocean.Provider(f"{name}-provider", opts=opts, **DigitalOcean.credentials())

    def _compose(self, name: str) -> None:
        do, ctx, child = self.config.digitalocean, self.ctx, self.child
        self.storage = DigitalOceanStorage(
            f"{name}-storage",
            DigitalOceanStorageArgs(buckets=self.bucket_specs(do.spaces_bucket), region=do.region),
            ctx,
            child,
        )
        regions = {t: do.gpu_pool_region if t is Tier.gpu else do.region for t in Tier}
        self.network = DigitalOceanNetwork(
            f"{name}-network", DigitalOceanNetworkArgs(vpc_ranges=do.vpc_ranges(), tiers=list(Tier)), ctx, child
        )
        self.compute = DigitalOceanCompute(
            f"{name}-compute",
            DigitalOceanComputeArgs(
                pools=[
                    DropletPool(
                        spec=spec,
                        region=regions[spec.tier],
                        image=do.gpu_image if spec.tier is Tier.gpu else do.image,
                        vpc_id=self.network.vpcs[regions[spec.tier]].id,
                        tag=self.network.tier_tags[spec.tier].name,
                    )
                    for spec in self.tier_specs()
                ],
                ssh_keys=do.ssh_key_fingerprints,
            ),
            ctx,
            child,
        )
        self.functions = DigitalOceanFunctions(
            f"{name}-functions",
            DigitalOceanFunctionsArgs(
                functions=self.function_plans(do.functions),
                source=do.app,
                region=do.region,
                secrets=self._function_secrets,
                errors_per_minute=self.config.alerts.function_errors_per_5_minutes / 5,
            ),
            ctx,
            child,
        )
        self.cdn = None
        if do.cdn.enabled:
            self.cdn = DigitalOceanCdn(
                f"{name}-cdn",
                DigitalOceanCdnArgs(
                    bucket=self.storage.buckets[BucketClass.media], domain=next(iter(do.cdn.domains), None)
                ),
                ctx,
                child,
            )
        self.monitoring = DigitalOceanMonitoring(
            f"{name}-monitoring",
            DigitalOceanMonitoringArgs(tier_tags={t: tag.name for t, tag in self.network.tier_tags.items()}),
            ctx,
            child,
        )

    @property
    def origin(self) -> pulumi.Output[str] | None:
        """The Spaces CDN endpoint, else the functions app's hostname: the edge's DigitalOcean origin."""
        if self.cdn is not None:
            return self.cdn.endpoint.endpoint
        if self.functions.app is not None:
            return self.functions.app.default_ingress.apply(_hostname)
        return None

    @property
    def health_path(self) -> str | None:
        """The CDN's health object; None when the origin is the functions app (it has no health route)."""
        return self.cdn.health_path if self.cdn is not None else None

    def exports(self) -> dict[str, pulumi.Input[object]]:
        """Stack outputs: bucket names, pool names, the app URL and the origin hostname."""
        outputs: dict[str, pulumi.Input[object]] = {
            "buckets": {c.value: b.name for c, b in self.storage.buckets.items()},
            "autoscale_pools": {t.value: p.name for t, p in self.compute.groups.items()},
            "vpcs": {r: v.id for r, v in self.network.vpcs.items()},
            # DigitalOcean autoscale pools scale on CPU and memory targets only.
            "predictive_scaling": {t.value: "missing" for t in self.compute.groups},
        }
        if self.functions.app is not None:
            outputs["functions_url"] = self.functions.app.default_ingress
        if self.origin is not None:
            outputs["origin"] = self.origin
        return outputs


def _hostname(url: str | None) -> str:
    """`https://host/path` -> `host` (App Platform reports its ingress as a URL)."""
    return (url or "").split("://", 1)[-1].split("/", 1)[0]
