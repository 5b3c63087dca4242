"""The runbook pane: a runbook rendered in the app, its code blocks copyable and runnable."""
