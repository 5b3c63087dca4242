"""Every test that starts a server is marked `integration`, so `-m "not integration"` is fast.

conftest marks tests that use a server fixture; a test that starts a server itself must be
marked by hand. Each server here calls `check()` as it starts: in a test without the mark it
fails with the test's name, so a missing mark shows at once instead of slowing the fast tier.
"""

from __future__ import annotations

_unmarked: str | None = None  # the test being set up or run, when it is not `integration`


def enter(nodeid: str, integration: bool) -> None:
    global _unmarked
    _unmarked = None if integration else nodeid


def leave() -> None:
    global _unmarked
    _unmarked = None


def check(what: str) -> None:
    """Raise when the running test may not start servers (it is not marked integration)."""
    if _unmarked is not None:
        raise RuntimeError(
            f"{_unmarked} starts {what} but is not marked integration: "
            "add @pytest.mark.integration (or pytestmark) to it"
        )
