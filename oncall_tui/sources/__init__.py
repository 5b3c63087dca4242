"""Sources fetch data (Prometheus, probes, alerts, Kubernetes, the demo); they never touch widgets."""
