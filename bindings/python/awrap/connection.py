"""Connections: ``awrap.connect(conninfo, **properties)`` (PEP 249) and the AWS Advanced Python
Wrapper's entry point ``AwsWrapperConnection.connect(target, conninfo="", **kwargs)``."""
import logging

from . import _native, errors, log
from .cursor import Cursor
from .errors import InterfaceError, ProgrammingError

_PG_NAMES = ("pg", "postgres", "postgresql", "psycopg", "psycopg2", "aurora-pg", "aurora-postgresql")
_MYSQL_NAMES = ("mysql", "mariadb", "mysql.connector", "pymysql", "mysqldb", "aurora-mysql")

# The AWS wrapper's dialect codes that awrap spells differently.
_DIALECTS = {"rds-multi-az-pg-cluster": "multi-az-pg", "rds-multi-az-mysql-cluster": "multi-az-mysql"}


class Connection:
    """A connection to a PostgreSQL or MySQL/MariaDB server or cluster, through awrap's plugins
    (failover, host monitoring, IAM, Secrets Manager …). Use one connection from one thread at a
    time (threadsafety 1); ``cancel()`` may be called from any thread."""

    Warning = errors.Warning
    Error = errors.Error
    InterfaceError = errors.InterfaceError
    DatabaseError = errors.DatabaseError
    DataError = errors.DataError
    OperationalError = errors.OperationalError
    IntegrityError = errors.IntegrityError
    InternalError = errors.InternalError
    ProgrammingError = errors.ProgrammingError
    NotSupportedError = errors.NotSupportedError

    def __init__(self, conninfo, properties, autocommit, events=None):
        log.sync_level()
        if log.logger.isEnabledFor(logging.DEBUG):
            log.logger.debug("connecting to %s", log.mask_secrets(conninfo))
        self._native = _native.Connection(conninfo, properties, **(events or {}))
        self._engine = self._native.engine
        if not autocommit:
            try:
                self._native.set_autocommit(False)
            except BaseException:
                self._native.close()
                raise

    def _open(self):
        native = self._native
        if native is None:
            raise InterfaceError("the connection is closed")
        return native

    def cursor(self):
        self._open()
        return Cursor(self)

    def commit(self):
        self._open().commit()

    def rollback(self):
        self._open().rollback()

    def close(self):
        """Closes the connection (idempotent). An open transaction is rolled back by the server."""
        native, self._native = self._native, None
        if native is not None:
            native.close()

    @property
    def closed(self):
        return self._native is None or self._native.closed()

    @property
    def autocommit(self):
        return self._open().autocommit()

    @autocommit.setter
    def autocommit(self, value):
        if not isinstance(value, bool):
            raise ProgrammingError("autocommit must be True or False, not %r" % (value,))
        self._open().set_autocommit(value)

    @property
    def read_only(self):
        return self._open().read_only()

    @read_only.setter
    def read_only(self, value):
        if not isinstance(value, bool):
            raise ProgrammingError("read_only must be True or False, not %r" % (value,))
        self._open().set_read_only(value)

    @property
    def in_transaction(self):
        return self._open().in_transaction()

    @property
    def engine(self):
        """"pg" or "mysql"."""
        return self._engine

    @property
    def current_host(self):
        """"host:port" of the server the connection is on now (it changes on failover)."""
        return self._open().current_host()

    def cancel(self):
        """Stops the statement running on this connection (from any thread)."""
        native = self._native
        if native is not None:
            native.cancel()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        """Commits (or rolls back after an exception) an open transaction, then closes."""
        try:
            if self._native is not None and not self._native.closed() and self._native.in_transaction():
                if exc_type is None:
                    self.commit()
                else:
                    self.rollback()
        finally:
            self.close()


def _property_text(name, value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise ProgrammingError("connection property %s=%r: expected a str, int, float or bool, not %s"
                           % (name, value, type(value).__name__))


def _quote_keyword(value):
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _engine_of_conninfo(conninfo):
    head = conninfo.split("://", 1)[0].lower() if "://" in conninfo else ""
    return "mysql" if head in ("mysql", "mariadb") else "pg"


# Keywords that are event listeners (docs/events.md), not connection properties.
_EVENTS = ("on_failover_started", "on_failover", "on_call_aborted")


def _pop_events(kwargs):
    """The event listeners among the keywords (taken out of them), for _native.Connection."""
    events = {}
    for name in _EVENTS:
        listener = kwargs.pop(name, None)
        if listener is None:
            continue
        if not callable(listener):
            raise ProgrammingError("%s must be a callable taking one event (docs/events.md), not %r"
                                   % (name, listener))
        events[name] = listener
    return events


def _build(conninfo, engine, kwargs):
    """(conninfo, properties) from a conninfo string and keyword arguments."""
    if conninfo is not None and not isinstance(conninfo, str):
        raise ProgrammingError("conninfo must be a str (URL or 'key=value ...'), not %s"
                               % type(conninfo).__name__)
    conninfo = conninfo or ""
    if engine is None:
        engine = _engine_of_conninfo(conninfo) if conninfo else "pg"
    properties = {}
    for name, value in kwargs.items():
        if value is None:
            continue
        if name == "wrapper_dialect" and isinstance(value, str):
            value = _DIALECTS.get(value, value)
        properties[name] = _property_text(name, value)
    host = properties.pop("host", None)
    port = properties.pop("port", None)
    if host is not None:
        if conninfo:
            raise ProgrammingError("give the host either in conninfo or as host=..., not both "
                                   "(conninfo=%r, host=%r)" % (log.mask_secrets(conninfo), host))
        if engine == "pg":
            conninfo = "host=" + _quote_keyword(host) + (" port=" + _quote_keyword(port) if port else "")
        else:
            conninfo = "mysql://%s%s" % (host, ":" + port if port else "")
    elif port is not None:
        if conninfo and engine == "pg" and "://" not in conninfo:
            conninfo += " port=" + _quote_keyword(port)
        else:
            properties["port"] = port
    if not conninfo:
        raise ProgrammingError("no server given: pass a conninfo (e.g. 'postgresql://user@host/db' "
                               "or 'mysql://user@host/db') or host=...")
    return conninfo, properties


def connect(conninfo=None, *, autocommit=False, engine=None, **properties):
    """Opens a connection (PEP 249).

    conninfo: a URL (postgresql://, postgres://, mysql://, mariadb://) or a libpq keyword string
    ("host=a,b port=5432 dbname=app"); or leave it out and pass host=, port=, user=, password=,
    dbname=/database=. Every other keyword is an awrap property (docs/configuration.md:
    plugins/wrapper_plugins, wrapper_dialect, failover_timeout_sec, connect_timeout …) or a native
    driver option. autocommit: False (PEP 249's default) runs statements in a transaction that
    lasts until commit() or rollback(). engine: "pg" or "mysql" when conninfo does not tell.
    on_failover_started, on_failover, on_call_aborted: callables told what happens to this
    connection, each with one event object (docs/events.md); on_call_aborted runs on awrap's
    monitor thread.
    """
    if engine is not None and engine not in ("pg", "mysql"):
        raise ProgrammingError("engine must be 'pg' or 'mysql', not %r" % (engine,))
    if not isinstance(autocommit, bool):
        raise ProgrammingError("autocommit must be True or False, not %r" % (autocommit,))
    events = _pop_events(properties)
    conninfo, props = _build(conninfo, engine, properties)
    return Connection(conninfo, props, autocommit, events)


def _engine_of_target(target):
    if isinstance(target, str):
        name = target.lower()
    elif callable(target):
        name = (getattr(target, "__module__", None) or getattr(target, "__qualname__", "") or "").lower()
        self = getattr(target, "__self__", None)  # a classmethod such as psycopg.Connection.connect
        if self is not None and not name:
            name = getattr(self, "__module__", "").lower()
    else:
        raise InterfaceError("target must be a driver's connect function (e.g. "
                             "psycopg.Connection.connect, mysql.connector.connect) or 'pg'/'mysql', "
                             "not %s" % type(target).__name__)
    root = name.split(".")[0]
    if name in _PG_NAMES or root in ("psycopg", "psycopg2", "pg"):
        return "pg"
    if name in _MYSQL_NAMES or root in ("mysql", "mariadb", "pymysql", "mysqldb"):
        return "mysql"
    raise InterfaceError("cannot tell the database engine from target %r: pass "
                         "psycopg.Connection.connect, mysql.connector.connect, or 'pg' / 'mysql'"
                         % (target,))


class AwsWrapperConnection(Connection):
    """The AWS Advanced Python Wrapper's entry point, on awrap's C++ core."""

    @staticmethod
    def connect(target=None, conninfo="", *args, **kwargs):
        """``AwsWrapperConnection.connect(psycopg.Connection.connect, host=..., dbname=..., user=...,
        password=..., plugins="failover", wrapper_dialect="aurora-pg", autocommit=True)``.

        target chooses the engine (the driver itself is not used: awrap talks to the server
        through libpq / MariaDB Connector/C). conninfo: as for psycopg (a libpq string or URL) or
        a mysql:// URL. Keywords: the AWS wrapper's names (plugins, wrapper_dialect, host, port,
        dbname/database, user, password, connect_timeout, socket_timeout, monitoring-*, …).
        autocommit defaults to False, as in psycopg and mysql.connector.
        """
        if target is None:
            raise InterfaceError("AwsWrapperConnection.connect(): target is required (e.g. "
                                 "psycopg.Connection.connect)")
        if args:
            raise ProgrammingError("AwsWrapperConnection.connect(): unexpected positional "
                                   "arguments %r; pass options as keywords" % (args,))
        engine = _engine_of_target(target)
        autocommit = kwargs.pop("autocommit", False)
        if not isinstance(autocommit, bool):
            raise ProgrammingError("autocommit must be True or False, not %r" % (autocommit,))
        events = _pop_events(kwargs)
        conninfo, props = _build(conninfo or None, engine, kwargs)
        self = AwsWrapperConnection.__new__(AwsWrapperConnection)
        Connection.__init__(self, conninfo, props, autocommit, events)
        return self
