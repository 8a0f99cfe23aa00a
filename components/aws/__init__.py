"""AWS components: storage, network, compute, functions, cdn, budget, monitoring.

`AwsPlatform` (platform.py) composes them; import it from `components.aws.platform`.
"""
