"""The package: cheap to import, its public functions are functions, and it is typed."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from helpers import run_python

import ssomagic


def test_importing_ssomagic_does_not_import_boto3_or_botocore():
    result = run_python("""
        import sys, ssomagic
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("boto3", "botocore")))
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_public_api_stays_functions_after_every_module_is_loaded():
    for module in pkgutil.walk_packages(ssomagic.__path__, "ssomagic."):
        if module.name != "ssomagic.__main__":
            importlib.import_module(module.name)
    for name in ssomagic.__all__:
        assert callable(getattr(ssomagic, name)) and not isinstance(
            getattr(ssomagic, name), type(ssomagic)), name


def test_the_package_is_marked_typed():
    assert (Path(ssomagic.__file__).parent / "py.typed").is_file()


def test_load_ext_registers_the_magics_without_importing_boto3_or_botocore():
    result = run_python("""
        import sys
        from IPython.core.interactiveshell import InteractiveShell
        ip = InteractiveShell.instance()
        ip.run_line_magic("load_ext", "ssomagic")
        assert "sso" in ip.magics_manager.magics["line"]
        assert "sso" in ip.magics_manager.magics["cell"]
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("boto3", "botocore")))
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_extension_loads_from_ipython_config(tmp_path):
    profile = tmp_path / "ipython" / "profile_default"
    profile.mkdir(parents=True)
    (profile / "ipython_config.py").write_text(
        'c.InteractiveShellApp.extensions = ["ssomagic"]\n'
        'c.SsoMagics.production_profiles = ["prod"]\n')
    result = run_python("""
        from IPython.terminal.ipapp import TerminalIPythonApp
        app = TerminalIPythonApp.instance()
        app.initialize(["--no-banner"])
        magics = app.shell.magics_manager.registry["SsoMagics"]
        print(magics.production_profiles)
    """, env={"IPYTHONDIR": str(tmp_path / "ipython")})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("['prod']")
