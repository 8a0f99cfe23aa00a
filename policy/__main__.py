"""Entry point of the qmoi-cloud policy pack: assembles the rules, starts the Analyzer server.

The Pulumi CLI runs this file under its policy runtime (`python -m pulumi.policy`), with the
pack directory as working directory; `PolicyPack(...)` then serves the Analyzer gRPC protocol
on 127.0.0.1 and prints its port. The rules are plain modules under `policy/rules/`.

The server then waits for a day at a time; so that a killed parent (SIGKILL, out of memory,
a cancelled CI job) never leaves it running on a loopback port, the pack exits by itself as
soon as the process that started it is gone.
"""

import os
import sys
import threading
import time
from pathlib import Path

# The rules are imported as the `policy.rules` package (also by infra/ and the tests), and the
# budget rule may import the cost model from `infra/`: both need the repository root.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

from policy.rules import PACK_NAME, policies  # noqa: E402

PARENT_POLL_S = 0.5


def exit_with_parent(poll_s: float = PARENT_POLL_S) -> None:
    """Exit (status 0) once the parent process is gone: the pack is orphaned and re-parented."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_s)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


exit_with_parent()
PolicyPack(
    name=PACK_NAME,
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=policies(),
)
