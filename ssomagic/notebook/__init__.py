"""The IPython front end: the %sso magics, widgets, rendering, completion and explanations of
errors. Everything here only collects input and renders; the work is the engine's.
"""
