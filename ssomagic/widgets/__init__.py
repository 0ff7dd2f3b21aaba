"""ipywidgets for signing in: ProfilePicker, LoginButton, IdentityCard, and panel() composing them.

One module each; background.py holds the threads they share.

Everything slow (the device flow, portal listings, STS) runs on background threads, so the
kernel stays free while a widget works; the widgets update themselves from those threads. No
widget state ever holds a token, a client secret or a key: only codes, names and times.
"""

from .identity_card import IdentityCard
from .login_button import LoginButton
from .panel import panel
from .profile_picker import ProfilePicker

__all__ = ["IdentityCard", "LoginButton", "ProfilePicker", "panel"]
