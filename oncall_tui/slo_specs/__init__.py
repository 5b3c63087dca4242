"""`oncall import-slo`: Sloth and Pyrra SLO specs turned into `slos:` config."""
