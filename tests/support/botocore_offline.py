"""botocore as an offline reference signer for awrap's tests and vector generators.

Importing this module first keeps the caller's AWS settings (profiles, environment credentials,
IMDS) away from botocore; `frozen_botocore_clock` makes botocore sign at a fixed time; and
`BotocoreLogCapture` collects the canonical request and string to sign botocore logs at debug
level. Used by tests/support/aws_endpoint_server.py, tests/support/iam_token_checker.py and the
generators in tests/data/sigv4/.
"""
import contextlib
import datetime
import logging
import os
import threading
import types

for _k in list(os.environ):
    if _k.startswith("AWS_"):
        del os.environ[_k]
os.environ.update(AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
                  AWS_EC2_METADATA_DISABLED="true")

import botocore.auth  # noqa: E402

# botocore's clock is patched process-wide: one signer at a time.
_CLOCK_LOCK = threading.Lock()


@contextlib.contextmanager
def frozen_botocore_clock(fixed):
    """Makes botocore sign at `fixed`: a naive UTC datetime, or a "YYYYMMDDTHHMMSSZ" string."""
    if isinstance(fixed, str):
        fixed = datetime.datetime.strptime(fixed, "%Y%m%dT%H%M%SZ")  # naive UTC, like utcnow()

    class FrozenDatetime(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return fixed

        @classmethod
        def now(cls, tz=None):
            return fixed if tz is None else fixed.replace(tzinfo=datetime.timezone.utc).astimezone(tz)

    fake = types.ModuleType("datetime")
    fake.__dict__.update({k: v for k, v in vars(datetime).items() if not k.startswith("__")})
    fake.datetime = FrozenDatetime
    with _CLOCK_LOCK:
        saved = {"datetime": botocore.auth.datetime}
        botocore.auth.datetime = fake
        if hasattr(botocore.auth, "get_current_datetime"):
            saved["get_current_datetime"] = botocore.auth.get_current_datetime
            botocore.auth.get_current_datetime = lambda remove_tzinfo=True: (
                fixed if remove_tzinfo else fixed.replace(tzinfo=datetime.timezone.utc))
        try:
            yield
        finally:
            for name, value in saved.items():
                setattr(botocore.auth, name, value)


class BotocoreLogCapture(logging.Handler):
    """Collects the canonical request and string to sign that botocore.auth logs at debug level."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())

    def section(self, title):
        for m in self.messages:
            if m.startswith(title + ":\n"):
                return m[len(title) + 2:]
        raise RuntimeError(f"botocore did not log {title}")
