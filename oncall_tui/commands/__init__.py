"""One module a subcommand, each with `run(args) -> exit code`; imported only when chosen."""
