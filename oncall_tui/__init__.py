"""oncall: a terminal on-call dashboard."""

from __future__ import annotations

import sys
import types

__version__ = "0.1.0"


def _defer_httpx_cli() -> None:
    """`import httpx` also imports its command line (`httpx._main`: click, rich.progress,
    rich.syntax, pygments lexers) whenever click is installed: ~100 ms of every `oncall`
    start on a 2-core machine (encode/httpx#3547). A stand-in module is registered under
    that name until something imports httpx; `httpx.main()` still works, it loads the real
    module when called."""
    if "httpx" in sys.modules or "httpx._main" in sys.modules:
        return
    stub = types.ModuleType("httpx._main", "stand-in for httpx's CLI, loaded when called")

    def main(*args: object, **kwargs: object) -> object:
        import importlib

        del sys.modules["httpx._main"]
        real = importlib.import_module("httpx._main")
        return real.main(*args, **kwargs)

    stub.main = main  # type: ignore[attr-defined]
    sys.modules["httpx._main"] = stub


_defer_httpx_cli()
