# GENERATED from infra/__init__.py by `python -m infra policies --write-config`: do not edit (policy/vendor/README.md).
"""Provider-neutral machinery, one concern per subpackage, imports running one way (lowest first).

`catalog` (prices and what exists) < `config` (the model, naming, profiles, reading) <
`plan` (record types, mocks, runner) < `cost` (the estimate) < `check` (the policy pack
over its protocol) < `report` (every renderer, generated docs) < `cli` (every command).
The order is enforced by tests/test_layers.py.
"""
