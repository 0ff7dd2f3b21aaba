"""What a sign-in gives access to: the portal's accounts and roles, role credentials,
identity, ACCOUNT/ROLE resolution, export, the console link and the credentials endpoint.
"""
