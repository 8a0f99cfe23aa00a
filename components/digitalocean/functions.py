"""DigitalOcean functions: one App Platform app with a functions component per enabled function.

- Built by App Platform from the project's GitHub repository and branch (config
  `digitalocean.app`), each component from `functions/<name>/`, which holds a DigitalOcean
  Functions project (`project.yml` + `packages/<package>/<function>/__main__.py`). Memory and
  timeout limits live in that `project.yml`, next to the code they apply to.
- Redeploy on push is off by default: a merge deploys through `pulumi up`, not behind its back.
- Each function is routed at `/<function-slug>` on the app's default ingress.
- App alerts (failed deployment, failed domain) e-mail the stack's alert addresses.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_digitalocean as digitalocean

from components.context import StackContext
from components.specs import FunctionsArgs
from infra.config import ROOT, AppSource

APP_ALERT_RULES = ("DEPLOYMENT_FAILED", "DOMAIN_FAILED")


@dataclass(frozen=True)
class DigitalOceanFunctionsArgs(FunctionsArgs):
    source: AppSource
    region: str  # datacenter slug; App Platform takes its region prefix (nyc3 -> nyc)


def app_region(datacenter: str) -> str:
    return datacenter.rstrip("0123456789")


class DigitalOceanFunctions(pulumi.ComponentResource):
    app: digitalocean.App | None

    def __init__(
        self, name: str, args: DigitalOceanFunctionsArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:digitalocean:Functions", name, None, opts)
        self.app = None
        if args.functions:
            self.app = self._app(name, args, ctx)
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
