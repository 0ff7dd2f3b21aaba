"""A sign-in code that can be reached without scrolling.

With Run All, JupyterLab scrolls to the last cell while ``%sso login`` blocks far above it, and
its windowed notebook does not even render that cell's output, so nothing placed in the output
can reach the person. A widget *model*, though, exists in the page as soon as the kernel opens
it, rendered or not; anywidget runs an ES module's ``initialize`` for each model, so the
beacon's module pins the code panel to the corner of the page (and puts the code in the tab
title) for as long as the model lives, and hides it while the cell's own panel is in view.

The module is static: the panel's HTML comes from ``render.py``, the only HTML writer, and the
title is plain text placed with ``document.title``. No value is ever written into script.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anywidget
import traitlets


class CodeBeacon(anywidget.AnyWidget):
    """One pending code; ``close()`` (at every end of the sign-in) removes it from the page."""

    _esm = Path(__file__).with_name("code_beacon.js")
    html = traitlets.Unicode("").tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    code = traitlets.Unicode("").tag(sync=True)  # which in-cell panel makes the beacon redundant

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_class("ssomagic-code-beacon-model")
