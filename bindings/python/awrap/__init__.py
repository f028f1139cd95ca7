"""awrap: a PEP 249 (DB-API 2.0) driver for highly available PostgreSQL and MySQL/MariaDB
clusters, on awrap's C++ core (failover, host monitoring, IAM, Secrets Manager).

    import awrap
    conn = awrap.connect("postgresql://app:secret@db.cluster-xyz.us-east-1.rds.amazonaws.com/app",
                         plugins="failover,host_monitoring")
    with conn.cursor() as cur:
        cur.execute("SELECT id, name FROM t WHERE id = %s", (42,))
        print(cur.fetchone())
    conn.commit()

Code written for the AWS Advanced Python Wrapper runs with its imports changed to awrap:
``awrap.AwsWrapperConnection.connect(psycopg.Connection.connect, ...)`` and
``awrap.errors.FailoverSuccessError`` / ``TransactionResolutionUnknownError`` /
``FailoverFailedError``. See docs/python.md.
"""
from . import _native, log
from .connection import AwsWrapperConnection, Connection, connect
from .cursor import Cursor
from .errors import (DatabaseError, DataError, Error, FailoverError, FailoverFailedError,
                     FailoverSuccessError, IntegrityError, InterfaceError, InternalError,
                     NotSupportedError, OperationalError, ProgrammingError,
                     ReadWriteSplittingError, TransactionResolutionUnknownError, Warning)
from .types import (BINARY, DATETIME, NUMBER, ROWID, STRING, MYSQL_CONVERTERS, PG_CONVERTERS,
                    Binary, Date, DateFromTicks, Time, TimeFromTicks, Timestamp,
                    TimestampFromTicks)

apilevel = "2.0"
threadsafety = 1  # threads may share the module, not connections
paramstyle = "pyformat"  # %s and %(name)s, on both engines

_native.set_converters(PG_CONVERTERS, MYSQL_CONVERTERS)
log.install()

__all__ = [
    "apilevel", "threadsafety", "paramstyle", "connect", "Connection", "Cursor",
    "AwsWrapperConnection", "Warning", "Error", "InterfaceError", "DatabaseError", "DataError",
    "OperationalError", "IntegrityError", "InternalError", "ProgrammingError", "NotSupportedError",
    "FailoverError", "FailoverSuccessError", "TransactionResolutionUnknownError",
    "FailoverFailedError", "ReadWriteSplittingError", "STRING", "BINARY", "NUMBER", "DATETIME",
    "ROWID", "Date", "Time", "Timestamp", "DateFromTicks", "TimeFromTicks", "TimestampFromTicks",
    "Binary",
]
