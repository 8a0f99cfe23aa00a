"""Google Cloud components: one module per capability, composed by GcpPlatform."""
