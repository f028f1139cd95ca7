"""PEP 249 cursors. A statement's rows arrive whole (awrap buffers results in C++); fetching
converts them to tuples on demand and never touches the network."""
from . import _native  # noqa: F401 - the native module must be loadable before cursors exist
from .errors import InterfaceError, ProgrammingError
from .paramstyle import convert
from .types import type_code


class Cursor:
    """Made by ``Connection.cursor()``."""

    def __init__(self, connection):
        self.connection = connection
        self.arraysize = 1
        self.rowcount = -1
        self.lastrowid = None
        self._result = None
        self._pos = 0
        self._nrows = 0
        self._description = None
        self._closed = False

    # ---- statements ----

    def execute(self, operation, parameters=None):
        """Runs one statement; returns the cursor (so ``cur.execute(...).fetchone()`` works)."""
        native = self.connection._native
        if native is None or self._closed:
            raise InterfaceError("the %s is closed" % ("cursor" if self._closed else "connection"))
        if operation.__class__ is not str:
            raise ProgrammingError("execute(): the query must be a str, not %s"
                                   % type(operation).__name__)
        try:
            if parameters is None:
                result = native.execute(operation)
            else:
                sql, values = convert(operation, parameters, self.connection._engine)
                result = native.execute(sql, values)
        except BaseException:
            self._result = None
            self._nrows = self._pos = 0
            self.rowcount = -1
            self._description = None
            raise
        self._result = result
        self._pos = 0
        self._nrows = result.row_count
        self.rowcount = result.rowcount
        self._description = None
        return self

    def executemany(self, operation, seq_of_parameters):
        """Runs the statement once per parameter set; rowcount is the total of rows written."""
        total = 0
        ran = False
        for parameters in seq_of_parameters:
            self.execute(operation, parameters)
            ran = True
            if self.rowcount > 0:
                total += self.rowcount
        if not ran and (self.connection._native is None or self._closed):
            raise InterfaceError("the %s is closed" % ("cursor" if self._closed else "connection"))
        self._result = None
        self._nrows = self._pos = 0
        self._description = None
        self.rowcount = total if ran else -1
        return self

    def callproc(self, procname, parameters=()):
        """Calls a stored procedure (MySQL: CALL) or function (PostgreSQL: SELECT * FROM f(...)).
        Returns the parameters unchanged (output parameters are not supported)."""
        if not isinstance(procname, str) or not procname.replace("_", "a").replace(".", "a").isalnum():
            raise ProgrammingError("callproc(): procname must be a plain (optionally schema-"
                                   "qualified) identifier, not %r" % (procname,))
        parameters = tuple(parameters)
        placeholders = ", ".join(["%s"] * len(parameters))
        if self.connection._engine == "pg":
            self.execute("SELECT * FROM %s(%s)" % (procname, placeholders), parameters)
        else:
            self.execute("CALL %s(%s)" % (procname, placeholders), parameters)
        return parameters

    # ---- results ----

    @property
    def description(self):
        """One 7-item sequence per result column: (name, type_code, display_size, internal_size,
        precision, scale, null_ok); None when the last statement returned no rows."""
        if self._description is None and self._result is not None and self._result.column_count:
            engine = self.connection._engine
            columns = []
            for name, code, modifier, binary in self._result.columns():
                precision = scale = None
                if engine == "pg" and code == 1700 and modifier >= 4:
                    precision, scale = (modifier - 4) >> 16, (modifier - 4) & 0xFFFF
                columns.append((name, type_code(engine, code, binary), None, None, precision,
                                scale, None))
            self._description = tuple(columns)
        return self._description

    @property
    def rownumber(self):
        return self._pos if self._result is not None else None

    def _no_rows(self):
        if self._closed:
            return InterfaceError("the cursor is closed")
        if self._result is None:
            return ProgrammingError("no result to fetch from: call execute() first")
        return ProgrammingError("the last statement returned no rows to fetch")

    def fetchone(self):
        pos = self._pos
        if pos < self._nrows:
            self._pos = pos + 1
            return self._result.row(pos)
        if self._result is None or not self._result.column_count:
            raise self._no_rows()
        return None

    def fetchmany(self, size=None):
        if size is None:
            size = self.arraysize
        if not isinstance(size, int) or size < 0:
            raise ProgrammingError("fetchmany(): size must be an int >= 0, not %r" % (size,))
        if self._result is None or not self._result.column_count:
            raise self._no_rows()
        start = self._pos
        self._pos = min(start + size, self._nrows)
        return self._result.rows(start, self._pos)

    def fetchall(self):
        if self._result is None or not self._result.column_count:
            raise self._no_rows()
        start = self._pos
        self._pos = self._nrows
        return self._result.rows(start, self._nrows)

    def nextset(self):
        """awrap returns one result set per statement: there is never a next one (None)."""
        if self._result is None:
            raise self._no_rows()
        return None

    def scroll(self, value, mode="relative"):
        if self._result is None:
            raise self._no_rows()
        if mode not in ("relative", "absolute"):
            raise ProgrammingError("scroll(): mode must be 'relative' or 'absolute', not %r" % (mode,))
        target = self._pos + value if mode == "relative" else value
        if not 0 <= target <= self._nrows:
            raise IndexError("scroll(): position %d is outside the result (0..%d)" % (target, self._nrows))
        self._pos = target

    def setinputsizes(self, sizes):
        """Accepted and ignored (PEP 249 allows it): values are sent in their text form."""

    def setoutputsize(self, size, column=None):
        """Accepted and ignored: results are buffered whole."""

    # ---- lifecycle ----

    def close(self):
        self._closed = True
        self._result = None
        self._nrows = self._pos = 0

    @property
    def closed(self):
        return self._closed

    def __iter__(self):
        return self

    def __next__(self):
        row = self.fetchone()
        if row is None:
            raise StopIteration
        return row

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
