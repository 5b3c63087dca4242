"""`oncall import-grafana`: a Grafana dashboard's panels become an oncall config (pure)."""
