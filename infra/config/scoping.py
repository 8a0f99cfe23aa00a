"""A validated configuration scoped to its stack: stacks can live side by side.

`for_stack(config, stack)` records the stack on the configuration (`config.stack`, `config.names`)
and, for a stack that is not named after its environment (a pull-request stack `pr-42`, a
developer's `dev-alice` with `qmoi-cloud:environment: dev`), rewrites every public hostname the
stack file names so that it cannot collide with the environment's own stack: CDN custom domains,
the Cloudflare hostnames, Worker routes and the load balancer hostname all get the stack's token
(`app-dev.qmoi.ai` -> `app-dev-pr-42-1a2b3c.qmoi.ai`, see `naming.StackNames.hostname`). A copy of
`Pulumi.dev.yaml` saved as `Pulumi.pr-42.yaml` therefore deploys next to dev without sharing a
name with it.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infra.config.model import PlatformConfig


def _with_domains(block: Any, attr: str, scope: Any) -> Any:
    cdn = getattr(block, attr)
    return block.model_copy(update={attr: cdn.model_copy(update={"domains": [scope(d) for d in cdn.domains]})})


def _route(route: str, scope: Any) -> str:
    host, _, path = route.partition("/")
    return f"{scope(host)}/{path}"


def for_stack(config: PlatformConfig, stack: str) -> PlatformConfig:
    """`config` for the stack `stack`: names derive from it, hostnames too unless it is the environment's stack."""
    names = config.model_copy()
    names._stack = stack
    if names.names.primary:
        return names
    cf = config.cloudflare
    scope = partial(names.names.hostname, zones=[z.name for z in cf.zones])
    lb_host = cf.lb_hostname(config.environment.value) if cf.load_balancer.enabled else cf.load_balancer.hostname
    cloudflare = cf.model_copy(
        update={
            "zones": [z.model_copy(update={"hostnames": [scope(h) for h in z.hostnames]}) for z in cf.zones],
            "workers": {
                n: w.model_copy(update={"routes": [_route(r, scope) for r in w.routes]}) for n, w in cf.workers.items()
            },
            "load_balancer": cf.load_balancer.model_copy(update={"hostname": scope(lb_host) if lb_host else None}),
        }
    )
    scoped = config.model_copy(
        update={
            "aws": _with_domains(config.aws, "cloudfront", scope),
            "gcp": _with_domains(config.gcp, "cdn", scope),
            "azure": _with_domains(config.azure, "cdn", scope),
            "digitalocean": _with_domains(config.digitalocean, "cdn", scope),
            "cloudflare": cloudflare,
        }
    )
    scoped._stack = stack
    return scoped
