"""Entry point of the qmoi-cloud policy pack: assembles the rules, starts the Analyzer server.

The Pulumi CLI runs this file under its policy runtime (`python -m pulumi.policy`), with the
pack directory as working directory; `PolicyPack(...)` then serves the Analyzer gRPC protocol
on 127.0.0.1 and prints its port. The rules are plain modules under `rules/`.

The pack is self-contained: it runs from wherever its directory is (this repository, a copy,
or the folder Pulumi Cloud installs a published pack into) with only the packages of its
`requirements.txt`. The model its budget rules price with (`infra.config`, `infra.catalog`,
`infra.cost`, `infra.plan.records`) travels in `vendor/`, a generated copy put first on the
import path; the rules are imported as the package `policy` whatever this directory is called.

The server then waits for a day at a time; so that a killed parent (SIGKILL, out of memory,
a cancelled CI job) never leaves it running on a loopback port, the pack exits by itself as
soon as the process that started it is gone.
"""

import importlib.util
import os
import sys
import threading
import time
from pathlib import Path

PACK_DIR = Path(__file__).resolve().parent
PACKAGE = "policy"  # how the rules import each other (`from policy.rules.base import ...`)


def _load_pack_package() -> None:
    """Make `vendor/` importable first, and this directory importable as the package `policy`."""
    vendor = str(PACK_DIR / "vendor")
    if vendor not in sys.path:
        sys.path.insert(0, vendor)
    if PACKAGE in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(
        PACKAGE, PACK_DIR / "__init__.py", submodule_search_locations=[str(PACK_DIR)]
    )
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the policy pack from {PACK_DIR}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = module
    spec.loader.exec_module(module)


_load_pack_package()

from pulumi_policy import EnforcementLevel, PolicyPack  # noqa: E402

from policy.request_cache import install as install_request_cache  # noqa: E402
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
install_request_cache()
PolicyPack(
    name=PACK_NAME,
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=policies(),
)
