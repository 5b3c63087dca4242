"""The alerts screen, the silences view and the silence forms.

`oncall_tui/render/alerts.py` holds the pure wording (tested without an app); the screens
read snapshots and send silence requests through `SilenceClient` in workers.
"""
