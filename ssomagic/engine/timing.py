"""Every time window and timeout of a sign-in, one constant each, with the reason for its value.

Other modules import these instead of writing their own numbers, so "15 minutes" means one
thing: the window in which botocore and the AWS CLI stop trusting something that will expire.
"""

from __future__ import annotations

from datetime import timedelta

# Tokens, client registrations and cached role credentials are all treated as due for renewal
# this long before they expire: botocore's advisory refresh window, and the CLI's reuse margin.
REFRESH_WINDOW = timedelta(minutes=15)

# Inside this window (botocore's mandatory one) a process that cannot refresh itself waits for
# the one that holds the session's lock, instead of carrying on with a token about to expire.
MANDATORY_REFRESH_WINDOW = timedelta(minutes=10)

# botocore tries a refresh at most once a minute per token; so do we, per sso-session.
REFRESH_ATTEMPT_EVERY = timedelta(minutes=1)

# No user action waits longer than this for AWS without an answer. Retries stop here, and a
# sign-in code whose token endpoint keeps failing is reported after this long, not at expiry.
ACTION_DEADLINE = 45.0
# A step an action can do without (renewing a token that still serves for minutes, the
# account's name on an identity) takes at most this much of the action's deadline, so the step
# that must happen (the role credentials, the identity) keeps at least 25 s: two attempts.
OPTIONAL_STEP = 20.0

# A sign-in's listing of accounts and roles is shared by every process of the user through a
# file, and reused for this long at most: permission sets change rarely, but a new one should
# show up within the hour without a new sign-in.
LISTING_MAX_AGE = timedelta(hours=1)

# Per-request socket timeouts. With ACTION_DEADLINE they bound the worst case of one action to
# under 60 s: the deadline is checked between attempts, and one attempt takes at most these.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0

# Full-jitter exponential back-off between retries of throttled, 5xx or dropped requests.
BACKOFF_BASE = 0.05
BACKOFF_CAP = 2.0
RETRY_ATTEMPTS = 10


def format_duration(seconds: float) -> str:
    """A span of time as a person reads it on a card or a countdown: 1h 05m, 4m 09s, 12s."""
    seconds = int(max(0, seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"

# `%sso picker` waits this long for the bound profile's card before its cell ends, so the cell
# (and a notebook executed headless, where only the running cell's output is recorded) holds
# the identity; what comes later still arrives live.
FIRST_CARD_WAIT = 5.0

# An editor or the AWS CLI that saves in place truncates the file and then writes it: a reader
# in between sees an empty or half file. One written this recently may be mid-save, so an
# empty or unparsable read of it is given this long to change before it is believed; SETTLE
# is the pause between looks at a file another writer is busy with.
MID_WRITE = 0.3
SETTLE = 0.02

# A config edit is redone at most this often on a file another writer keeps changing under
# it, and waits at most LOCK_WAIT for another ssomagic process's edit, then says so.
EDIT_TRIES = 20
LOCK_WAIT = 20.0
# A file changed this recently is being edited: after replacing it, the old file is watched
# LINGER longer for an in-place save that opened it before the replace.
LINGER_IF_EDITED_WITHIN = 2.0
LINGER = 0.1
