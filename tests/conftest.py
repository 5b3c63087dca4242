"""Shared fixtures. Tests are hermetic: no user config is ever discovered."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from servers import guard
from servers.alertmanager import alertmanager  # noqa: F401
from servers.fake_kube import fake_kube, kubeconfig  # noqa: F401
from servers.health import (  # noqa: F401
    health_closed_port,
    health_grpc_server,
    health_http_server,
    health_silent_port,
)
from servers.hostile import hostile_server  # noqa: F401
from servers.prometheus import (  # noqa: F401
    exporter,
    module_exporter,
    module_prometheus,
    prometheus,
    prometheus_factory,
)

#: fixtures that start a server: a test using one (directly or through another fixture) is
#: marked `integration` here; a test that starts one itself carries the mark in its module
SERVER_FIXTURES = frozenset(
    {
        "alertmanager",
        "exporter",
        "fake_kube",
        "health_grpc_server",
        "health_http_server",
        "health_silent_port",
        "module_exporter",
        "module_prometheus",
        "prometheus",
        "prometheus_factory",
    }
)


#: fixture scopes set up once for several tests of one module
SHARED_SCOPES = frozenset({"module", "class", "package"})


#: the garbage collector's thresholds while tests run: a Textual app under test holds
#: hundreds of thousands of objects, and at Python's default (700, 10, 10) full collections
#: of that heap took about a third of a Pilot test's CPU time; young objects are still
#: collected, every 50 000 allocations instead of every 700
GC_THRESHOLDS = (50_000, 20, 10)


def pytest_configure(config: pytest.Config) -> None:
    gc.set_threshold(*GC_THRESHOLDS)
    _parse_each_stylesheet_once()


def _parse_each_stylesheet_once() -> None:
    """Every app a test starts parses the same widget and screen CSS with the same theme
    variables: a fifth of a Pilot test's start-up. Within one app Textual keeps what it
    parsed (`Stylesheet._parse_cache`); across the apps of a test process this keeps it too,
    under the same key plus the variables the parse substitutes. The rule sets are not
    changed after parsing, and a CSS that fails to parse is not kept (it raises again)."""
    from textual.css.model import RuleSet
    from textual.css.stylesheet import CSSLocation, Stylesheet

    parse_rules = Stylesheet._parse_rules
    parsed: dict[tuple[object, ...], list[RuleSet]] = {}

    def parse_once(
        self: Stylesheet,
        css: str,
        read_from: CSSLocation,
        is_default_rules: bool = False,
        tie_breaker: int = 0,
        scope: str = "",
    ) -> list[RuleSet]:
        key = (css, read_from, is_default_rules, tie_breaker, scope, *self._variables.items())
        rules = parsed.get(key)
        if rules is None:
            rules = parsed[key] = parse_rules(
                self, css, read_from, is_default_rules, tie_breaker, scope
            )
        return rules

    Stylesheet._parse_rules = parse_once  # type: ignore[method-assign]


def pytest_collection_finish(session: pytest.Session) -> None:
    # what collection imported lives as long as the run: no collection scans it again
    gc.collect()
    gc.freeze()


@pytest.hookimpl(tryfirst=True)  # before xdist's, which reads the groups into node ids
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)
        if _shares_a_fixture(item):
            # with `--dist loadgroup` (scripts/test.sh), the tests sharing a module's server
            # run in one worker process, so it is started once, not once per worker
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))


def _shares_a_fixture(item: pytest.Item) -> bool:
    """Whether the test uses a fixture set up once for its module (a server, an index).

    A parametrizing fixture (`backend`) is module-scoped only to order the tests by its
    value; it shares nothing costly, so the tests using it may spread over the workers."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return any(
        definition.scope in SHARED_SCOPES and definition.params is None
        for definitions in info.name2fixturedefs.values()
        for definition in definitions
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item):  # type: ignore[no-untyped-def]
    # before any fixture of the test runs, module-scoped servers included
    guard.enter(item.nodeid, item.get_closest_marker("integration") is not None)
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item):  # type: ignore[no-untyped-def]
    guard.leave()  # stopping servers is always allowed
    return (yield)


@pytest.fixture(autouse=True)
def _hermetic(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """No test touches the user's files: config discovery, recordings and the clipboard
    fallback all look in a fresh folder; the terminal is a plain xterm, not a tmux."""
    from oncall_tui.status import use_ascii_glyphs

    home = tmp_path_factory.mktemp("home")
    runtime = home / "run"
    runtime.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))  # config discovery
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))  # recordings
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))  # the clipboard fallback file
    monkeypatch.delenv("ONCALL_CONFIG", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TMUX", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")  # not the Linux console: Unicode glyphs
    monkeypatch.setenv("TEXTUAL_DISABLE_CURSOR_BLINK", "1")
    yield
    use_ascii_glyphs(False)  # a test that asked for ASCII glyphs leaves them behind


@pytest.fixture(autouse=True)
def _fresh_secret_registry() -> Iterator[None]:
    """Each test starts with no secret registered: one test's token is not another's text."""
    from oncall_tui.secret_registry import REGISTRY

    REGISTRY.clear()
    yield
    REGISTRY.clear()
