"""The area name of every deploy contract (a leaf module: the provider modules and the package import it)."""

AREA = "deploy contracts"
