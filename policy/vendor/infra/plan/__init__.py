# GENERATED from infra/plan/__init__.py by `python -m infra policies --write-config`: do not edit (policy/vendor/README.md).
"""The offline plan: the program run on Pulumi's mock runtime, every registration recorded.

`records` holds the plan's types (a leaf: the cost model and the policy pack read plans
through it); `mocks` and `mock_outputs` answer like the clouds do; `runner` runs the real
program (`__main__.py`) on them. Import the runner as `infra.plan.runner`: importing this
package does not load the mock runtime.
"""

from infra.plan.records import PLAN_SCHEMA_VERSION, Plan, ResourceRecord, counts_as_resource, provider_of

__all__ = ["PLAN_SCHEMA_VERSION", "Plan", "ResourceRecord", "counts_as_resource", "provider_of"]
