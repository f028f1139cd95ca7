"""The PEP 249 exception hierarchy, awrap's failover outcomes, and the mapping from awrap's C++
errors (and SQLSTATEs) to them.

    Warning
    Error
    +-- InterfaceError
    +-- DatabaseError
        +-- DataError
        +-- OperationalError
        |   +-- FailoverError
        |   |   +-- FailoverSuccessError               run the statement again
        |   |   +-- TransactionResolutionUnknownError  the transaction may have committed
        |   |   +-- FailoverFailedError                no writer in time
        |   +-- ReadWriteSplittingError
        +-- IntegrityError
        +-- InternalError
        +-- ProgrammingError
        +-- NotSupportedError

Every error raised for a server or awrap error carries ``sqlstate`` (five characters or None),
``native_code`` (the MySQL error number; 0 for PostgreSQL), ``host`` ("host:port" or None) and
``awrap_class`` (the C++ class, e.g. "QueryError"). The AWS Advanced Python Wrapper derives its
failover errors from Error directly; here they are OperationalErrors, which ``except Error``
still catches.
"""


class Warning(Exception):  # noqa: A001 - the name PEP 249 prescribes
    """Important warnings (PEP 249). awrap raises none today."""


class Error(Exception):
    """Base of every awrap error (PEP 249)."""

    def __init__(self, message="", sqlstate=None, native_code=0, host=None, awrap_class=None):
        super().__init__(message)
        self.sqlstate = sqlstate or None
        self.native_code = native_code
        self.host = host or None
        self.awrap_class = awrap_class

    # psycopg spells it pgcode, mysql.connector errno: both are offered.
    @property
    def pgcode(self):
        return self.sqlstate

    @property
    def errno(self):
        return self.native_code


class InterfaceError(Error):
    """Misuse of the interface: a closed connection or cursor, a wrong target."""


class DatabaseError(Error):
    pass


class DataError(DatabaseError):
    pass


class OperationalError(DatabaseError):
    pass


class IntegrityError(DatabaseError):
    pass


class InternalError(DatabaseError):
    pass


class ProgrammingError(DatabaseError):
    pass


class NotSupportedError(DatabaseError):
    pass


class FailoverError(OperationalError):
    """Base of the three outcomes of a failover."""


class FailoverSuccessError(FailoverError):
    """The connection failed over to a healthy host; no transaction was open. Settings made
    through the API and the SQL settings awrap recognises were restored; the message ends with
    "session state not restored: ..." naming what was not (docs/failover.md). The statement was
    not applied: run it again (SQLSTATE 08S02)."""


class TransactionResolutionUnknownError(FailoverError):
    """The connection failed over while a transaction was open (or COMMIT was in flight): it may
    or may not have committed. Find out before retrying. The connection is usable (08007)."""


class FailoverFailedError(FailoverError):
    """No fitting host within failover_timeout_sec (08001). The connection has no usable
    physical connection: a later call tries to fail over again; or close it."""


class ReadWriteSplittingError(OperationalError):
    """Read/write splitting could not switch the connection."""


# SQLSTATE class (first two characters) -> PEP 249 class; as psycopg maps them.
_SQLSTATE_CLASSES = {
    "0A": NotSupportedError,
    "20": ProgrammingError, "21": ProgrammingError,
    "22": DataError,
    "23": IntegrityError,
    "24": InternalError, "25": InternalError,
    "26": OperationalError, "27": OperationalError, "28": OperationalError,
    "2B": InternalError, "2D": InternalError, "2F": InternalError,
    "34": OperationalError,
    "38": InternalError, "39": InternalError, "3B": InternalError,
    "3D": ProgrammingError, "3F": ProgrammingError,
    "40": OperationalError,
    "42": ProgrammingError, "44": ProgrammingError,
    "53": OperationalError, "54": OperationalError, "55": OperationalError,
    "57": OperationalError, "58": OperationalError,
    "08": OperationalError,
    "F0": InternalError, "HV": OperationalError, "P0": InternalError, "XX": InternalError,
}

# awrap's C++ error classes whose meaning does not depend on the SQLSTATE.
_AWRAP_CLASSES = {
    "FailoverSuccessError": FailoverSuccessError,
    "TransactionResolutionUnknownError": TransactionResolutionUnknownError,
    "FailoverFailedError": FailoverFailedError,
    "ConfigError": ProgrammingError,
    "AuthError": OperationalError,
    "ConnectError": OperationalError,
    "ConnectionLostError": OperationalError,
    "QueryCancelledError": OperationalError,
    "ReadWriteSplittingError": ReadWriteSplittingError,
    "ConnectionClosedError": InterfaceError,
    "PoolTimeoutError": OperationalError,  # the C++ awrap::Pool; no Python pool wraps it yet
}


def class_for(awrap_class, sqlstate):
    """The PEP 249 class for an error of C++ class `awrap_class` with `sqlstate`."""
    fixed = _AWRAP_CLASSES.get(awrap_class)
    if fixed is not None:
        return fixed
    if sqlstate and len(sqlstate) == 5:
        if sqlstate == "HY000":  # MySQL's "general error": nothing more specific is known
            return OperationalError if awrap_class != "QueryError" else DatabaseError
        return _SQLSTATE_CLASSES.get(sqlstate[:2].upper(), DatabaseError)
    return DatabaseError


def _from_native(awrap_class, message, sqlstate, native_code, host, prop):
    """Called by awrap._native for every C++ awrap::Error (messages are already masked)."""
    error = class_for(awrap_class, sqlstate)(message, sqlstate, native_code, host, awrap_class)
    if prop:
        error.property = prop
    return error


__all__ = ["Warning", "Error", "InterfaceError", "DatabaseError", "DataError", "OperationalError",
           "IntegrityError", "InternalError", "ProgrammingError", "NotSupportedError",
           "FailoverError", "FailoverSuccessError", "TransactionResolutionUnknownError",
           "FailoverFailedError", "ReadWriteSplittingError"]
