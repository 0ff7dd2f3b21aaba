"""The page's location, told to the kernel: an anywidget whose static module sets ``host``
from ``window.location.hostname`` when the model loads, rendered or not (see code_beacon.py
for why a model, not an output). No value goes into script; one comes out of it."""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets


class PageLocation(anywidget.AnyWidget):
    _esm = Path(__file__).with_name("page_location.js")
    host = traitlets.Unicode("").tag(sync=True)
