"""Polling, threshold verdicts, state and timeline: plain Python, no Textual."""
