"""qmoi-cloud's CrossGuard policy pack: the one source of policy truth.

`policy/__main__.py` assembles the rules in `policy/rules/` into a `PolicyPack`; the Pulumi
CLI runs it with `--policy-pack policy`, and `infra/check/` runs the same pack over the
same Analyzer gRPC protocol for the offline plan and the tests.
"""
