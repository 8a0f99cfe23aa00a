"""Provider packages of ComponentResources; each is imported only when its provider is enabled."""
