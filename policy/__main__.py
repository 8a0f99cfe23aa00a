"""Entry point of the qmoi-cloud policy pack: assembles the rules, starts the Analyzer server.

The Pulumi CLI runs this file under its policy runtime (`python -m pulumi.policy`), with the
pack directory as working directory; `PolicyPack(...)` then serves the Analyzer gRPC protocol
on 127.0.0.1 and prints its port. The rules are plain modules under `policy/rules/`.
"""

import sys
from pathlib import Path

# The rules are imported as the `policy.rules` package (also by infra/ and the tests), and the
# budget rule may import the cost model from `infra/`: both need the repository root.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

from policy.rules import PACK_NAME, policies  # noqa: E402

PolicyPack(
    name=PACK_NAME,
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=policies(),
)
