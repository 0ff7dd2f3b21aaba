"""Signing in and out: registration, the device-code and PKCE flows, the callback
listener, the choice between them, token refresh, session status and sign-out.
"""
