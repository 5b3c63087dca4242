"""oncall: a terminal on-call dashboard."""

__version__ = "0.1.0"
