"""The footer of every screen: Textual's, rebuilt only when the keys it shows changed.

Textual's `Footer` rebuilds itself (a dozen `FooterKey` widgets removed and mounted, then
a layout of the whole screen) each time the screen says its bindings were updated, and a
focus change says so twice: when the focus moves and again after the next refresh.
Opening the runbook pane moves the focus into it, so it paid for two rebuilds, the second
showing the same keys as the first. This one rebuilds once per refresh at most, and not
at all when what it would show is what it shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.screen import Screen

#: what a footer shows: (key, its display, action, description, enabled, tooltip) per key
Shown = tuple[tuple[str, str, str, str, bool, str], ...]


class KeysFooter(Footer):
    """A `Footer` that is not rebuilt for the keys it already shows."""

    def __init__(self) -> None:
        super().__init__()
        self._shown: Shown | None = None
        self._pending = False

    def shown_keys(self) -> Shown:
        """The keys the footer would show now, in order (the command palette's too)."""
        app = self.app
        return tuple(
            (
                binding.key,
                app.get_key_display(binding),
                binding.action,
                binding.description,
                enabled,
                tooltip,
            )
            for key, (_, binding, enabled, tooltip) in self.screen.active_bindings.items()
            if binding.show or key == app.COMMAND_PALETTE_BINDING
        )

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._pending:
            self._pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._pending = False
        if not self.is_attached:
            return
        shown = self.shown_keys()
        if shown == self._shown:
            return
        self._shown = shown
        await self.recompose()
        # Each FooterKey is data-bound to the footer's `compact`, and Textual drops the
        # watchers of removed keys only when `compact` changes, which it never does here:
        # every rebuild kept its dozen old keys alive (about 80 KiB per runbook open). Firing
        # the watchers once prunes the closed keys' and sets the live ones to the same value.
        self.mutate_reactive(Footer.compact)
