"""Prometheus rule files: reading them, and turning alert rules into dashboard config."""
