"""Checklist: a list of checkboxes for choosing several items with plain clicks.

A SelectMultiple needs Ctrl-click (or Cmd-click) to pick a second item, which a newcomer does
not know; ticking boxes needs no such knowledge. The interface mirrors SelectMultiple's:
``options`` as (label, value) pairs and an observable ``value`` tuple, so the callers read it
the same way. Labels are plain text (Checkbox descriptions are not HTML), so no name reaches
the page unescaped. A large organisation's thousands of roles would make thousands of
checkboxes: at most ``limit`` are shown, and a line says how many more a filter would reveal.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import ipywidgets as widgets
import traitlets

from ..render import message_html


class Checklist(widgets.VBox):
    value = traitlets.Tuple()
    disabled = traitlets.Bool(False)

    def __init__(self, *, limit: int = 100, **kwargs: Any) -> None:
        self.limit = limit
        self._options: list[tuple[str, Hashable]] = []
        self._boxes: dict[Hashable, widgets.Checkbox] = {}
        self.more = widgets.HTML()
        self.more.add_class("ssomagic-checklist-more")
        self.items = widgets.VBox(layout=widgets.Layout(max_height="18em", overflow="auto"))
        super().__init__([self.items, self.more], **kwargs)
        self.add_class("ssomagic-checklist")

    @property
    def options(self) -> list[tuple[str, Hashable]]:
        return list(self._options)

    @options.setter
    def options(self, options: Sequence[tuple[str, Hashable]]) -> None:
        """Show these items; a box keeps its tick while it stays shown, and a value no longer
        shown is dropped from ``value``, as SelectMultiple drops it."""
        self._options = list(options)
        shown = self._options[:self.limit]
        keep = {v for _, v in self._options}
        boxes = []
        for label, key in shown:
            box = self._boxes.get(key)
            if box is None:
                box = widgets.Checkbox(value=key in self.value, indent=False,
                                       disabled=self.disabled,
                                       layout=widgets.Layout(width="auto"))
                box.observe(lambda change, key=key: self._ticked(key, change["new"]),
                            names="value")
                self._boxes[key] = box
            box.description = label
            boxes.append(box)
        self.items.children = boxes
        hidden = len(self._options) - len(shown)
        self.more.value = (message_html(f"{hidden} more: type in the filter to narrow the list.",
                                        "ssomagic-checklist-more") if hidden else "")
        self.value = tuple(v for v in self.value if v in keep)

    def _ticked(self, key: Hashable, ticked: bool) -> None:
        if ticked and key not in self.value:
            self.value = (*self.value, key)
        elif not ticked and key in self.value:
            self.value = tuple(v for v in self.value if v != key)

    @traitlets.observe("value")
    def _value_changed(self, change: dict[str, Any]) -> None:
        chosen = set(change["new"])
        for key, box in self._boxes.items():
            box.value = key in chosen

    @traitlets.observe("disabled")
    def _disabled_changed(self, change: dict[str, Any]) -> None:
        for box in self._boxes.values():
            box.disabled = change["new"]

    def close(self) -> None:
        for box in self._boxes.values():
            box.close()
        self.items.close()
        self.more.close()
        super().close()
