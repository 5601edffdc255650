"""The footer with the trader's essential keys first.

Textual's footer lists the active bindings in the order the focus chain yields them, so at 120
columns quit, unlock and half the rest fell off the right edge (and which ones depended on what had
focus). This one shows the screen's own keys first, then the app's keys in ``order`` (quit, submit,
cancel, amend, help, unlock before the rest), compactly; what still does not fit is in the help
screen (f1) and the command palette (ctrl+p).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets._footer import FooterKey

from valr_tui.ui.leaks import Footer


class RankedFooter(Footer):
    def __init__(self, order: Sequence[str], *, id: str | None = None) -> None:
        super().__init__(id=id, compact=True)
        self._rank = {action: index for index, action in enumerate(order)}

    def _shown(self) -> tuple[object, ...]:
        """The keys shown, not every active binding: a move of the focus changes the bindings
        (an Input's hidden ones come and go), mostly not these keys."""
        return self._bindings_ready, *((binding.key, binding.description, binding.action, enabled, tooltip)
                                       for binding, enabled, tooltip in self._ranked())

    def _update_keys(self, previous: tuple[object, ...], shown: tuple[object, ...]) -> bool:
        """Keys the footer already holds, in the same order, some of them hidden or enabled or
        disabled (or their tooltips) otherwise: each key is told in place, and a key no longer
        shown is hidden, not removed. A screen pushed over the dashboard hides and disables its
        own actions (``ValrApp.check_action``) and its closing brings them back: each was a
        rebuild of ~16 keys (removed, mounted, styled) and a reflow of the whole dashboard.
        False when a key is new: then the footer is rebuilt."""
        if previous[:1] != shown[:1]:
            return False
        entries = cast("list[tuple[str, str, str, bool, str]]", list(shown[1:]))
        keys = list(self.query_children(FooterKey))
        matched: dict[FooterKey, tuple[bool, str]] = {}
        remaining = iter(keys)
        for name, description, action, enabled, tooltip in entries:
            for key in remaining:
                if (key.key, key.description, key.action) == (name, description, action):
                    matched[key] = (enabled, tooltip)
                    break
            else:
                return False  # not held, or not in this order
        for key in keys:
            shown_here = key in matched
            if key.display != shown_here:
                key.display = shown_here
            if shown_here:
                enabled, tooltip = matched[key]
                key._disabled = not enabled
                key.set_class(not enabled, "-disabled")
                key.tooltip = tooltip or None
        self.styles.grid_size_columns = len(entries)
        return True

    def _ranked(self) -> list[tuple[Binding, bool, str]]:
        """One entry per action (its first key), the screen's own actions first, then ``order``."""
        seen: set[str] = set()
        shown: list[tuple[Binding, bool, str]] = []
        for _namespace, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.show and binding.action not in seen:
                seen.add(binding.action)
                shown.append((binding, enabled, tooltip))
        local = -1  # a screen's own keys (not the app's) keep their place, ahead of the app's
        return sorted(shown, key=lambda entry: self._rank.get(entry[0].action.split("(")[0], local))

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        ranked = self._ranked()
        self.styles.grid_size_columns = len(ranked)
        for binding, enabled, tooltip in ranked:
            # born "-compact" (as the bound ``compact`` makes it): no second styling at its mount
            yield FooterKey(
                binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                disabled=not enabled, tooltip=tooltip, classes="-compact",
            ).data_bind(compact=Footer.compact)
