"""The `ssomagic` console script, beside notebook/: the same engine, made from the same
command table (commands.py), rendered as text. launcher.py answers export-credentials from
the cache before anything heavy loads, then hands over to cli.py.
"""
