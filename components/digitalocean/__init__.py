"""DigitalOcean: Spaces, VPC + cloud firewall, droplet autoscale pools, App Platform functions,
a Spaces CDN endpoint and monitor alerts. DigitalOcean has no budget resource (see docs/digitalocean.md)."""
