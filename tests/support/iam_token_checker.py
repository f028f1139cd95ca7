#!/usr/bin/python3
"""Server-side check of an RDS IAM authentication token, for PAM (pam_exec) in the lab.

    # /etc/pam.d/<service>
    auth    required pam_exec.so expose_authtok quiet /usr/bin/python3 iam_token_checker.py CONFIG
    account required pam_permit.so

pam_exec runs this as the database server's OS user (postgres, or mysql for MariaDB's
auth_pam_tool) with the password the client sent on stdin (NUL-terminated) and the login name in
PAM_USER. Exit status 0 accepts the login, anything else refuses it.

CONFIG is a JSON file the test writes (readable only by the server's user):
    {"access_key_id": "...", "secret_access_key": "...",   the lab's known test key
     "region": "us-east-1",
     "endpoint": "127.0.0.121:5432",                          host:port the token must be for
                                                              (or a list of them, for a cluster
                                                              whose nodes share this check)
     "max_clock_skew_seconds": 60,                            optional, default 60
     "max_token_age_seconds": 8,                              optional: the lab's short token
                                                              lifetime (tokens older are expired,
                                                              as real ones are after 900 s)
     "log": "/path/checker.log"}                              optional: one line per decision

The token is accepted only when all of these hold, as RDS checks them:
  - it is a presigned "connect" request for service rds-db in the configured region, made with
    the configured access key;
  - its host:port is the configured endpoint and its DBUser is PAM_USER;
  - X-Amz-Date is no further in the future than the skew allowance and X-Amz-Date +
    X-Amz-Expires (at most 900 s) has not passed (same allowance);
  - it is byte for byte the token botocore's generate_db_auth_token makes for those values at
    the token's own signing time (an independent SigV4 implementation recomputes the signature).

Nothing secret is logged: the log line names the user, the decision and the reason only.
"""
import datetime
import hmac
import json
import os
import sys
import urllib.parse

# botocore must not pick up anything from the environment of the server process: import
# botocore_offline (next to this script) first.
from botocore_offline import frozen_botocore_clock  # noqa: E402
import botocore.session  # noqa: E402

TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_EXPIRES_SECONDS = 900  # RDS refuses longer-lived tokens; botocore always signs 900


class Refused(Exception):
    """The token is not acceptable; the message says why (never quotes the token)."""


def check_token(token, user, config, now):
    """Returns the host:port the token is for when it is valid for `user`; raises Refused
    otherwise."""
    try:
        endpoint, query = token.split("/?", 1)
        params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True, strict_parsing=True))
        key_id, _scope_date, region, service, terminator = params["X-Amz-Credential"].split("/")
        signed_at = datetime.datetime.strptime(params["X-Amz-Date"], TIMESTAMP_FORMAT)
        expires = int(params["X-Amz-Expires"])
        db_user = params["DBUser"]
        action = params["Action"]
        host, port = endpoint.rsplit(":", 1)
        port = int(port)
    except (ValueError, KeyError) as error:
        raise Refused(f"malformed token ({type(error).__name__})") from None
    if action != "connect" or service != "rds-db" or terminator != "aws4_request":
        raise Refused("not an rds-db connect token")
    if region != config["region"]:
        raise Refused("signed for another region")
    if not hmac.compare_digest(key_id, config["access_key_id"]):
        raise Refused("unknown access key id")
    endpoints = config["endpoint"] if isinstance(config["endpoint"], list) else [config["endpoint"]]
    if endpoint.lower() not in [e.lower() for e in endpoints]:
        raise Refused("signed for another host:port")
    if db_user != user:
        raise Refused("DBUser is not the user logging in")
    skew = datetime.timedelta(seconds=config.get("max_clock_skew_seconds", 60))
    if signed_at - skew > now:
        raise Refused("signed in the future")
    if not 0 < expires <= MAX_EXPIRES_SECONDS:
        raise Refused("X-Amz-Expires out of range")
    if signed_at + datetime.timedelta(seconds=expires) + skew < now:
        raise Refused("expired")
    max_age = config.get("max_token_age_seconds")
    if max_age is not None and signed_at + datetime.timedelta(seconds=max_age) < now:
        raise Refused("expired (lab token lifetime)")
    if expires != MAX_EXPIRES_SECONDS:
        # generate_db_auth_token signs 900 s only; awrap's plugin always does too.
        raise Refused("X-Amz-Expires is not 900")

    session = botocore.session.Session()
    session.set_credentials(config["access_key_id"], config["secret_access_key"])
    client = session.create_client("rds", region_name=region)
    with frozen_botocore_clock(signed_at):
        expected = client.generate_db_auth_token(DBHostname=host, Port=port, DBUsername=db_user,
                                                 Region=region)
    if not hmac.compare_digest(expected.encode(), token.encode()):
        raise Refused("signature does not match")
    return endpoint


def log_decision(config, user, decision, reason, endpoint=None):
    path = config.get("log")
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as log:
            entry = {"user": user, "decision": decision, "reason": reason}
            if endpoint:
                entry["endpoint"] = endpoint
            log.write(json.dumps(entry) + "\n")
    except OSError:
        pass  # the decision stands even when the log cannot be written


def main(argv):
    if len(argv) != 2:
        print("usage: iam_token_checker.py CONFIG.json", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        config = json.load(f)
    user = os.environ.get("PAM_USER", "")
    # pam_exec writes the authentication token followed by a NUL byte.
    token = sys.stdin.buffer.read(16384).split(b"\0", 1)[0].decode("utf-8", "replace").strip()
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    try:
        if not user:
            raise Refused("PAM_USER is not set")
        endpoint = check_token(token, user, config, now)
    except Refused as refusal:
        log_decision(config, user, "refused", str(refusal))
        return 1
    log_decision(config, user, "accepted", "ok", endpoint)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
