"""Cloudflare functions: one Worker per enabled `cloudflare.workers` entry, bound to its routes.

- the script is `functions/<name>/worker.js`, uploaded as an ES module (`main_module`), with a
  pinned compatibility date so runtime changes never arrive unannounced;
- routes are `<host>/<path>` patterns on the configured zones (default `<zone>/<name>/*` on
  every zone); each route names the zone that owns its host;
- bindings: `ENVIRONMENT` (plain text), `ORIGINS` (JSON: provider -> origin hostname, from the
  other clouds' outputs) and one `secret_text` binding per name in `cloudflare.secret_bindings`.
  Secret values arrive as secret Outputs read from secret config (infra/config/reading.py); there is no
  plain-text secret binding, so a secret never appears in a plan or state in clear;
- observability (Workers Logs) on. Workers take no tags.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_cloudflare as cloudflare

from components.context import StackContext
from components.specs import FunctionsArgs

COMPATIBILITY_DATE = "2025-09-01"
MAIN_MODULE = "worker.js"


@dataclass(frozen=True)
class WorkerRoute:
    pattern: str
    zone_id: str


@dataclass(frozen=True)
class CloudflareFunctionsArgs(FunctionsArgs):
    account_id: str
    routes: Mapping[str, list[WorkerRoute]]
    origins: pulumi.Input[str] = "{}"
    secrets: Mapping[str, Mapping[str, pulumi.Output[str]]] = field(default_factory=dict)


class CloudflareFunctions(pulumi.ComponentResource):
    functions: dict[str, cloudflare.WorkersScript]
    routes: dict[str, list[cloudflare.WorkersRoute]]

    def __init__(
        self, name: str, args: CloudflareFunctionsArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:cloudflare:Functions", name, None, opts)
        self.functions, self.routes = {}, {}
        for plan in args.functions:
            role = f"{name}-{plan.slug}"
            bindings = [
                cloudflare.WorkersScriptBindingArgs(name="ENVIRONMENT", type="plain_text", text=ctx.environment),
                cloudflare.WorkersScriptBindingArgs(name="ORIGINS", type="json", json=args.origins),
            ]
            bindings += [
                cloudflare.WorkersScriptBindingArgs(name=secret, type="secret_text", text=value)
                for secret, value in args.secrets.get(plan.name, {}).items()
            ]
            script = cloudflare.WorkersScript(
                f"{role}-script",
                account_id=args.account_id,
                script_name=f"{ctx.prefix}-{plan.slug}",
                content=(plan.source_dir / MAIN_MODULE).read_text(),
                main_module=MAIN_MODULE,
                compatibility_date=COMPATIBILITY_DATE,
                bindings=bindings,
                observability=cloudflare.WorkersScriptObservabilityArgs(enabled=True),
                opts=ctx.child(self),
            )
            self.functions[plan.name] = script
            self.routes[plan.name] = [
                cloudflare.WorkersRoute(
                    f"{role}-route-{i}",
                    zone_id=route.zone_id,
                    pattern=route.pattern,
                    script=script.script_name,
                    opts=ctx.child(self),
                )
                for i, route in enumerate(args.routes.get(plan.name, []))
            ]
        self.register_outputs({f"{n}_worker": s.script_name for n, s in self.functions.items()})
