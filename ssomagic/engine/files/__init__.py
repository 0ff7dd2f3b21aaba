"""The files ssomagic reads and writes beside the AWS CLI: atomic writes, the token and
role-credential caches, remembered rejections, locks, and the trust checks on their folders.
"""
