"""~/.aws/config: reading it as botocore does, writing it as `aws configure sso` does
(comments kept, atomic, locked), start URLs, configure, populate and the one naming rule.
"""
