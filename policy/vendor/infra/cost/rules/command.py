# GENERATED from infra/cost/rules/command.py by `python -m infra policies --write-config`: do not edit (policy/vendor/README.md).
"""Pricing rules of the command provider: commands run where `pulumi up` runs, no cloud bills them.

`command:local:Command` publishes function code (Azure One Deploy, DigitalOcean App Platform
deployments) and uploads health objects; what those commands create is priced on the resources
they create or update (the function app, the storage account, the app).
"""

from __future__ import annotations

from infra.cost.pricing import Rule

RULES: dict[str, Rule] = {}

FREE: dict[str, str] = {
    "command:local:Command": "runs on the deployer's machine; what it publishes is priced on its target",
}
