"""The profile bound to this process (boto3's default session, AWS_PROFILE), the
environment export that lives with it, use(), and the observers the front ends follow.
"""
