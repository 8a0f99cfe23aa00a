"""The policy check of an offline plan: the policy pack itself, spoken to over the Analyzer protocol.

`pack.py` starts `policy/` the way the Pulumi CLI does and carries requests and diagnostics;
there is no second copy of the rules here. `pack_config.py` derives the pack's per-stack
configuration; `verdicts.py` holds what the pack said.
"""

from infra.check.pack import PolicyPackError, PolicyPackServer, evaluate, evaluate_records
from infra.check.pack_config import CONFIG_DIR, POLICY_DIR, config_path, pack_config, render_pack_config
from infra.check.verdicts import PolicyReport, Verdict

__all__ = [
    "CONFIG_DIR",
    "POLICY_DIR",
    "PolicyPackError",
    "PolicyPackServer",
    "PolicyReport",
    "Verdict",
    "config_path",
    "evaluate",
    "evaluate_records",
    "pack_config",
    "render_pack_config",
]
