"""Serverless handlers, one folder per function name (the folder is the deployed package)."""
