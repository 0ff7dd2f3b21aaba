"""The sign-in engine: config, caches, the AWS gateway, device flow, tokens, portal, role
credentials, identity and sign-out, in plain Python.

It imports neither IPython nor ipywidgets (tests/test_layers.py holds it to that), so the
magics, the widgets, the Python API and the console script all drive the same code and stay
thin. Nothing here prints: progress goes out as events, failures as SsoMagicError.
"""
