"""The area name of every deploy contract (a leaf: the provider modules and the package import it)."""

from policy.rules.base import CONTRACTS_AREA

AREA = CONTRACTS_AREA
