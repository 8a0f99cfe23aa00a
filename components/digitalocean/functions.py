"""DigitalOcean functions: one App Platform app with a functions component per enabled function.

- Built by App Platform from the project's GitHub repository and branch (config
  `digitalocean.app`), each component from `functions/<name>/`, which holds a DigitalOcean
  Functions project (`project.yml` + `packages/<package>/<function>/__main__.py`). Memory and
  timeout limits live in that `project.yml`, next to the code they apply to.
- Redeploy on push is off by default: a merge deploys through `pulumi up`, not behind its back.
  `pulumi up` updates the app only when its spec changes, and new code leaves the spec as it
  was, so a `command:local:Command` runs `doctl apps create-deployment <app> --wait` whenever a
  function folder's digest changes (doctl, logged in, where `pulumi up` runs).
- The variables a function's project.yml takes from the App Platform environment (`${NAME}`)
  are declared in the spec as SECRET envs (build and run time) from the secret config
  `qmoi-cloud:function_secrets`: a value set by hand in the control panel would be dropped by
  the next `pulumi up`, which sends the whole spec.
- Each function is routed at `/<function-slug>` on the app's default ingress.
- App alerts (failed deployment, failed domain) e-mail the stack's alert addresses, and so does
  each function's error-rate alert (`FUNCTIONS_ERROR_RATE_PER_MINUTE`, a functions-component rule
  of the App Platform API: errors per minute over 5 minutes above
  `alerts.function_errors_per_5_minutes` / 5). App Platform publishes no throttling metric.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_digitalocean as digitalocean
from pulumi_command import local

from components.context import StackContext
from components.specs import FunctionPlan, FunctionsArgs
from infra.config import ROOT, AppSource

APP_ALERT_RULES = ("DEPLOYMENT_FAILED", "DOMAIN_FAILED")
FUNCTION_ERROR_RULE = "FUNCTIONS_ERROR_RATE_PER_MINUTE"
ALERT_WINDOW = "FIVE_MINUTES"
# Build and deploy the app's current commit (the spec did not change, so `pulumi up` alone would not).
REDEPLOY = 'doctl apps create-deployment "$APP_ID" --wait'


@dataclass(frozen=True)
class DigitalOceanFunctionsArgs(FunctionsArgs):
    source: AppSource
    region: str  # datacenter slug; App Platform takes its region prefix (nyc3 -> nyc)
    secrets: Mapping[str, Mapping[str, pulumi.Input[str]]] = field(default_factory=dict)
    """Function -> {NAME: secret value}: SECRET envs of its component."""
    errors_per_minute: float = 1.0
    """Each function alerts when its errors average more than this per minute over 5 minutes."""


def secret_envs(
    plan: FunctionPlan, secrets: Mapping[str, Mapping[str, pulumi.Input[str]]]
) -> list[digitalocean.AppSpecFunctionEnvArgs] | None:
    """The function's secret settings as SECRET envs, at build and run time (project.yml reads them at build)."""
    envs = [
        digitalocean.AppSpecFunctionEnvArgs(key=key, value=value, type="SECRET", scope="RUN_AND_BUILD_TIME")
        for key, value in secrets.get(plan.name, {}).items()
    ]
    return envs or None


def app_region(datacenter: str) -> str:
    return datacenter.rstrip("0123456789")


class DigitalOceanFunctions(pulumi.ComponentResource):
    app: digitalocean.App | None
    deployment: local.Command | None

    def __init__(
        self, name: str, args: DigitalOceanFunctionsArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:digitalocean:Functions", name, None, opts)
        self.app = None
        self.deployment = None
        if args.functions:
            self.app = self._app(name, args, ctx)
            self.deployment = local.Command(
                f"{name}-deployment",
                create=REDEPLOY,
                environment={"APP_ID": self.app.id},
                triggers=[*(f"{p.name}:{p.source_digest}" for p in args.functions), self.app.id],
                opts=ctx.child(self, depends_on=[self.app]),
            )
        self.register_outputs({"default_ingress": self.app.default_ingress if self.app else None})

    def _app(self, name: str, args: DigitalOceanFunctionsArgs, ctx: StackContext) -> digitalocean.App:
        github = digitalocean.AppSpecFunctionGithubArgs(
            repo=args.source.repo, branch=args.source.branch, deploy_on_push=args.source.deploy_on_push
        )
        destinations = digitalocean.AppSpecAlertDestinationsArgs(emails=list(ctx.alert_emails))
        return digitalocean.App(
            f"{name}-app",
            spec=digitalocean.AppSpecArgs(
                name=f"{ctx.prefix}-functions",
                region=app_region(args.region),
                functions=[
                    digitalocean.AppSpecFunctionArgs(
                        name=plan.slug,
                        source_dir=plan.source_dir.relative_to(ROOT).as_posix(),
                        github=github,
                        envs=secret_envs(plan, args.secrets),
                        alerts=[
                            digitalocean.AppSpecFunctionAlertArgs(
                                rule=FUNCTION_ERROR_RULE,
                                operator="GREATER_THAN",
                                value=args.errors_per_minute,
                                window=ALERT_WINDOW,
                                destinations=digitalocean.AppSpecFunctionAlertDestinationsArgs(
                                    emails=list(ctx.alert_emails)
                                ),
                            )
                        ],
                    )
                    for plan in args.functions
                ],
                ingress=digitalocean.AppSpecIngressArgs(
                    rules=[
                        digitalocean.AppSpecIngressRuleArgs(
                            component=digitalocean.AppSpecIngressRuleComponentArgs(name=plan.slug),
                            match=digitalocean.AppSpecIngressRuleMatchArgs(
                                path=digitalocean.AppSpecIngressRuleMatchPathArgs(prefix=f"/{plan.slug}")
                            ),
                        )
                        for plan in args.functions
                    ]
                ),
                alerts=[
                    digitalocean.AppSpecAlertArgs(rule=rule, destinations=destinations) for rule in APP_ALERT_RULES
                ],
            ),
            opts=ctx.child(self),
        )
