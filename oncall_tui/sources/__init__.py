"""Sources fetch data (Prometheus, probes, alerts, Kubernetes, the demo); never widgets."""
