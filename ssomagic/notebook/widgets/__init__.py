"""ipywidgets for signing in: ProfilePicker, LoginButton, IdentityCard, and panel() composing them.

One module each; background.py holds their threading model: one executor for slow work,
errors shown in the widget, a lock per widget, one ticker, and close() that stops it all.
No widget state ever holds a token, a client secret or a key: only codes, names and times.
"""

from .configure_wizard import ConfigureWizard
from .identity_card import IdentityCard
from .login_button import LoginButton
from .panel import Panel, panel
from .profile_picker import ProfilePicker

__all__ = ["ConfigureWizard", "IdentityCard", "LoginButton", "Panel", "ProfilePicker", "panel"]
