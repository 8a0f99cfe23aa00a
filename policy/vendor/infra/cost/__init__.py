# GENERATED from infra/cost/__init__.py by `python -m infra policies --write-config`: do not edit (policy/vendor/README.md).
"""The cost model: the monthly cost of a recorded plan, per resource, component, provider and stack.

`estimate.py` prices a plan with the per-provider rules (`rules/<provider>.py`, which only
read their resources) and the shared pricer (`pricing.py`: tiers, serverless, NAT, storage
tiers and every cost lever), against the committed catalog (`infra/catalog`). The policy
pack's budget rule uses the same numbers.
"""

from infra.cost.estimate import Estimate, ResourceCost, estimate, reference_config
from infra.cost.pricing import CostError, Lever, LineItem, MissingPriceError

__all__ = [
    "CostError",
    "Estimate",
    "Lever",
    "LineItem",
    "MissingPriceError",
    "ResourceCost",
    "estimate",
    "reference_config",
]
