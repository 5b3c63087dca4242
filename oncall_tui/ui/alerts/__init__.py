"""The alerts screen, the silences view and the silence forms.

`text.py` holds the pure wording (tested without an app); the screens only read snapshots
and send silence requests through `SilenceClient` in workers.
"""
