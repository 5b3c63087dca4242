"""What every dashboard screen shares: the header, the failing-source banner, the footer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from textual.events import ScreenResume
from textual.screen import Screen

from oncall_tui.engine.snapshot import DashboardSnapshot
from oncall_tui.ui.guard import guarded, report_display_error
from oncall_tui.ui.host import DashboardHost
from oncall_tui.ui.widgets.banner import SourceBanner
from oncall_tui.ui.widgets.header import DashboardHeader
from oncall_tui.ui.workers import RoutesWorkerFailures


class DashboardScreen(RoutesWorkerFailures, Screen[None]):
    """A screen fed snapshots by the app; it repaints data only when the version moved."""

    def __init__(self) -> None:
        super().__init__()
        self._rendered_version: int | None = None
        self._found_chrome: tuple[list[DashboardHeader], list[SourceBanner]] | None = None
        #: the app's CSS generation when Textual last restyled the whole screen on resume
        self._styled_for_css: int | None = None

    @property
    def oncall(self) -> DashboardHost:
        """The app, through what screens may ask of it (not the concrete app class)."""
        return cast(DashboardHost, self.app)

    def show(self, snapshot: DashboardSnapshot | None, now: float) -> None:
        """Called on every tick: ages always, data only when the snapshot changed.

        An exception while drawing is reported (logged, one notice) and never exits the app;
        the next tick draws again.
        """
        if not (self.is_mounted and self.is_running) or self not in self.app.screen_stack:
            # on_mount draws what is there once the widgets exist; a screen popped (its
            # widgets being taken down) draws nothing
            return
        self._draw(snapshot, now)

    def catch_up(self, snapshot: DashboardSnapshot | None, now: float) -> None:
        """Draw the latest data into a screen kept while off the stack, just before it is
        pushed again: its first frame back is never the one it left with (a service turned
        crit meanwhile must not show ok for a frame)."""
        if self.is_mounted and self.is_running:
            self._draw(snapshot, now)

    def _draw(self, snapshot: DashboardSnapshot | None, now: float) -> None:
        try:
            self._show(snapshot, now)
        except Exception as error:  # noqa: BLE001 - a widget error must not end the dashboard
            self._rendered_version = None  # draw the data again next tick
            report_display_error(self.app, f"{type(self).__name__} refresh", error)

    def _chrome(self) -> tuple[list[DashboardHeader], list[SourceBanner]]:
        """The header and banner, found once (a query walks every widget of the screen)."""
        if self._found_chrome is None:
            headers, banners = list(self.query(DashboardHeader)), list(self.query(SourceBanner))
            if not headers:
                return headers, banners  # not composed yet: look again next time
            self._found_chrome = headers, banners
        return self._found_chrome

    def _show(self, snapshot: DashboardSnapshot | None, now: float) -> None:
        app = self.oncall
        headers, banners = self._chrome()
        for header in headers:
            header.show(
                snapshot,
                now,
                title=app.dashboard_title,
                paused=app.paused,
                demo=app.demo,
                incident=app.incident_header(header.line_width()),
            )
        for banner in banners:
            banner.show(snapshot, now)
        if snapshot is not None and snapshot.version != self._rendered_version:
            self._rendered_version = snapshot.version
            self.show_data(snapshot, now)
        self.show_ages(snapshot, now)

    def after_refresh(self, where: str, call: Callable[..., object], *args: Any, **kw: Any) -> None:
        """`call_after_refresh`, with an exception reported instead of exiting the app."""
        self.call_after_refresh(guarded(self.app, where, call), *args, **kw)

    def show_data(self, snapshot: DashboardSnapshot, now: float) -> None:
        """Update the widgets whose data changed."""

    def show_ages(self, snapshot: DashboardSnapshot | None, now: float) -> None:
        """Update texts that depend only on the time (ages, 'for 3 min')."""

    def on_screen_resume(self, event: ScreenResume) -> None:
        """Shown again: the latest data drawn. Textual then restyles every widget of the
        screen (a kept service screen with its hidden runbook document: hundreds), which
        only a change of the app's CSS (a theme) since the last restyle needs; classes and
        focus changed meanwhile restyled their own widgets. (This handler runs before
        Screen's, which reads `refresh_styles`.)"""
        count = getattr(self.app, "_css_update_count", None)
        if count is not None and count == self._styled_for_css:
            event.refresh_styles = False
        self._styled_for_css = count
        self.show(self.oncall.snapshot, self.oncall.now())
