"""Cloudflare: R2 storage, Workers, zone security/caching, DNS and the multi-cloud load balancer.

Only this package (and the stack code that runs when Cloudflare is enabled) imports
pulumi_cloudflare: its import alone costs ~2.4 s and 160 MB.
"""
