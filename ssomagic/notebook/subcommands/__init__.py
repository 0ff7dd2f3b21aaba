"""The %sso subcommands by theme, as IPython groups its own magics: each a class of
handlers that SsoMagics (../magics.py) combines. The table that names them is ../../commands.py."""
