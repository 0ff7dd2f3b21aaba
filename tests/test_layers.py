"""The architecture, checked: the sign-in engine knows no UI, and the front ends are shells."""

from __future__ import annotations

import ast
import pkgutil
from pathlib import Path

from helpers import run_python

import ssomagic.engine

ENGINE = Path(ssomagic.engine.__file__).parent
UI_PACKAGES = ("IPython", "ipywidgets", "ipykernel", "traitlets")


def engine_modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages([str(ENGINE)], "ssomagic.engine.")]


# The notebook modules a shell may use: the renderer (pure functions, no IPython: tables,
# pages), and display, which api.py calls only when IPython is running already.
ALLOWED = ("notebook.render", "notebook.display")


def _notebook_module(node: ast.ImportFrom) -> bool:
    """A shell's import of a notebook module other than those allowed."""
    module = node.module or ""
    if node.level == 1:
        return (module.startswith("notebook") and module not in ALLOWED) or (
            not module and any(a.name == "notebook" for a in node.names))
    return module.startswith("ssomagic.notebook") and module.removeprefix(
        "ssomagic.") not in ALLOWED


def ui_imports(path: Path, *, relative_up: bool) -> list[str]:
    """Where ``path`` imports a UI package (or, with ``relative_up``, reaches above its own
    package; without, a notebook module other than the pure renderer), even inside a
    function."""
    found = []
    # The engine's folders are one package: a module may reach up to the engine, never above.
    depth = len(path.relative_to(ENGINE).parts) if path.is_relative_to(ENGINE) else 1
    for node in ast.walk(ast.parse(path.read_text())):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        up = relative_up and isinstance(node, ast.ImportFrom) and node.level > depth
        notebook = not relative_up and isinstance(node, ast.ImportFrom) and \
            _notebook_module(node)
        if up or notebook or any(n.split(".")[0] in UI_PACKAGES for n in names):
            found.append(f"{path.name}:{node.lineno}")
    return found


def test_no_engine_module_imports_ipython_or_ipywidgets_even_lazily():
    assert [hit for path in ENGINE.rglob("*.py")
            for hit in ui_imports(path, relative_up=True)] == []


def test_the_api_and_the_console_leave_ipython_to_the_notebook_package():
    shells = [ENGINE.parent / name for name in ("api.py", "commands.py", "console/cli.py",
                                                 "console/text.py", "console/launcher.py")]
    assert [hit for path in shells for hit in ui_imports(path, relative_up=False)] == []


def test_importing_the_whole_engine_loads_no_ui_package():
    result = run_python(f"""
        import importlib, sys
        for name in {engine_modules()!r}:
            importlib.import_module(name)
        print(sorted(m for m in sys.modules if m.split(".")[0] in {UI_PACKAGES!r}))
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_engine_has_the_modules_the_layout_names():
    names = {m.rsplit(".", 1)[1] for m in engine_modules()}
    assert {"config", "token_cache", "device_flow", "tokens", "portal", "role_credentials",
            "identity", "sign_out", "gateway", "sign_in"} <= names


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the module's, classes' and functions' docstring nodes."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value,
                                                                     ast.Constant):
                found.add(id(body[0].value))
    return found


def test_the_engine_says_what_to_run_and_never_in_a_front_ends_words():
    """Advice names a command through engine/advice.py; `%sso` is the notebook's to write."""
    found = []
    for path in sorted(ENGINE.rglob("*.py")):
        tree = ast.parse(path.read_text())
        skip = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                    id(node) not in skip and "%sso" in node.value:
                found.append(f"{path.name}:{node.lineno}")
    assert found == []
