"""Pure presentation helpers shared by the TUI and the command line: no I/O, no Textual."""
