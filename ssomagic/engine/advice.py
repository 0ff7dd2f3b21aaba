"""How the engine names a command it advises: in one neutral form, which each front end
phrases for its user. The engine says what to do; the front end says how (`ssomagic login dev`
in a terminal, `%sso login dev` in a notebook: commands.phrase).

The neutral form is the console's own, so a message read outside any front end (a script's
traceback, a log) still names a command that works.
"""

from __future__ import annotations

import re

COMMAND = re.compile(r"`ssomagic ([a-z][a-z-]*)((?: [^`]*)?)`")


def command(words: str) -> str:
    """The command ``words`` (such as "login dev"), as an engine message names it."""
    return f"`ssomagic {words}`"
