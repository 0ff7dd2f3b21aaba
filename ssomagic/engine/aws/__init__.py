"""The one way to AWS: botocore clients, the gateway (retries, deadlines, explanations),
the portal's rate limiter, log redaction, and boto3 sessions for profiles.
"""
