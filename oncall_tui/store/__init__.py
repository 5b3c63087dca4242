"""The flight recorder: a SQLite recording of everything observed and done, and its readers.

Layer: after the engine, before the UI. Never imports Textual or the UI.
"""
