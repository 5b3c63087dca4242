"""The YAML config: loaded, expanded and validated into the typed model of `model.py`."""
