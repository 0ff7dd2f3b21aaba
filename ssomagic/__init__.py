"""ssomagic."""
