"""Tab completion for %sso and %%sso: subcommands, their options and profile names.

Names come from the config file alone (parsed once per change), so <TAB> never waits on the
network and never imports boto3. The completer is an IPython matcher (API v2, in
``IPCompleter.custom_matchers``) that suppresses the others when it has an answer: without that,
Jedi reads ``%sso login --f`` as Python and offers ``filter`` and ``float`` beside ``--force``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..commands import NOTEBOOK, candidates, commands_for, profile_names

if TYPE_CHECKING:
    from ..engine.runtime import Runtime

SUBCOMMANDS = tuple(c.name for c in commands_for(NOTEBOOK))


def complete(text_until_cursor: str, runtime: Runtime) -> list[str]:
    """Candidates for the word being typed at the end of ``text_until_cursor``."""
    words = text_until_cursor.split()
    if not words:
        return []
    if text_until_cursor[-1].isspace():
        words.append("")  # starting a new word
    magic, args = words[0], words[1:]
    if not args:
        return []
    if magic.lstrip("%") != "sso":
        return []
    if magic.startswith("%%"):  # %%sso PROFILE: runs a cell as that profile, so it needs a role
        return profile_names(runtime, with_role_only=True) if len(args) == 1 else []
    return candidates(args, NOTEBOOK, runtime)


def install(shell: Any) -> None:
    """Add the matcher to ``shell``, once: %reload_ext must not stack a second one."""
    completer = getattr(shell, "Completer", None)
    if completer is None or any(getattr(m, "ssomagic", False)
                                for m in completer.custom_matchers):
        return
    from IPython.core.completer import SimpleCompletion, context_matcher

    @context_matcher()
    def sso_matcher(context: Any) -> dict[str, Any]:
        # The magics registered now (a reload replaces them), for their HOME and config file.
        magics = shell.magics_manager.registry.get("SsoMagics")
        if magics is None or not context.text_until_cursor.lstrip().startswith("%"):
            return {"completions": [], "suppress": False}
        found = [word for word in complete(context.text_until_cursor, magics.runtime)
                 if word.startswith(context.token)]
        return {"completions": [SimpleCompletion(word, type="sso") for word in found],
                "suppress": bool(found)}

    sso_matcher.ssomagic = True
    completer.custom_matchers.append(sso_matcher)
