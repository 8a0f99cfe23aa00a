"""Azure (azure-native) components: one module per capability, composed by platform.AzurePlatform."""
