"""PEP 249 compliance, written from the PEP: module globals, exceptions, Connection, Cursor, type
objects and constructors — on PostgreSQL and MariaDB (the lab's single-node servers)."""
import datetime
import time

import pytest

import awrap

EXCEPTIONS = ["Warning", "Error", "InterfaceError", "DatabaseError", "DataError",
              "OperationalError", "IntegrityError", "InternalError", "ProgrammingError",
              "NotSupportedError"]


def test_module_globals():
    assert awrap.apilevel == "2.0"
    assert awrap.threadsafety in (0, 1, 2, 3)
    assert awrap.paramstyle == "pyformat"
    assert callable(awrap.connect)


def test_exception_hierarchy():
    e = awrap
    assert issubclass(e.Warning, Exception) and not issubclass(e.Warning, e.Error)
    assert issubclass(e.Error, Exception)
    assert issubclass(e.InterfaceError, e.Error)
    assert issubclass(e.DatabaseError, e.Error)
    for name in ("DataError", "OperationalError", "IntegrityError", "InternalError",
                 "ProgrammingError", "NotSupportedError"):
        assert issubclass(getattr(e, name), e.DatabaseError), name
    for name in ("FailoverSuccessError", "TransactionResolutionUnknownError", "FailoverFailedError"):
        cls = getattr(awrap.errors, name)
        assert issubclass(cls, e.OperationalError) and issubclass(cls, awrap.errors.FailoverError)
        assert getattr(awrap, name) is cls


def test_exceptions_are_connection_attributes(conn):
    for name in EXCEPTIONS:
        assert getattr(conn, name) is getattr(awrap, name)


def test_type_constructors():
    assert awrap.Date(2024, 2, 29) == datetime.date(2024, 2, 29)
    assert awrap.Time(13, 14, 15) == datetime.time(13, 14, 15)
    assert awrap.Timestamp(2024, 2, 29, 13, 14, 15) == datetime.datetime(2024, 2, 29, 13, 14, 15)
    now = time.time()
    assert awrap.DateFromTicks(now) == datetime.date.fromtimestamp(now)
    assert awrap.TimeFromTicks(now) == datetime.datetime.fromtimestamp(now).time().replace(microsecond=0)
    assert awrap.TimestampFromTicks(now) == datetime.datetime.fromtimestamp(now).replace(microsecond=0)
    assert awrap.Binary(b"\x00\x01") == b"\x00\x01"
    assert awrap.Binary(bytearray(b"ab")) == b"ab"


def test_type_objects_compare_with_description(conn):
    cur = conn.cursor()
    cur.execute("SELECT 1, 'x', CAST(%s AS DATE), 2.5" if conn.engine == "mysql" else
                "SELECT 1, 'x'::text, %s::date, 2.5::float8", (datetime.date(2020, 1, 1),))
    codes = [d[1] for d in cur.description]
    assert codes[0] == awrap.NUMBER and codes[0] != awrap.STRING
    assert codes[1] == awrap.STRING and codes[1] != awrap.NUMBER
    assert codes[2] == awrap.DATETIME
    assert codes[3] == awrap.NUMBER
    cur.execute("SELECT CAST('ab' AS BINARY)" if conn.engine == "mysql" else "SELECT 'ab'::bytea")
    assert cur.description[0][1] == awrap.BINARY and cur.description[0][1] != awrap.STRING
    assert awrap.ROWID != awrap.STRING


def test_connection_methods(conn):
    for name in ("close", "commit", "rollback", "cursor"):
        assert callable(getattr(conn, name))
    assert conn.autocommit is False
    conn.autocommit = True
    assert conn.autocommit is True
    conn.autocommit = False
    assert conn.read_only is False


def test_commit_and_rollback(conn, table):
    cur = conn.cursor()
    cur.execute("CREATE TABLE %s (id int primary key, name varchar(20))" % table)
    conn.commit()
    cur.execute("INSERT INTO %s VALUES (%%s, %%s)" % table, (1, "kept"))
    conn.commit()
    cur.execute("INSERT INTO %s VALUES (%%s, %%s)" % table, (2, "dropped"))
    assert conn.in_transaction
    conn.rollback()
    cur.execute("SELECT id, name FROM %s ORDER BY id" % table)
    assert cur.fetchall() == [(1, "kept")]


def test_autocommit_applies_each_statement(conninfo, table):
    with awrap.connect(conninfo, autocommit=True) as a, awrap.connect(conninfo) as b:
        a.cursor().execute("CREATE TABLE %s (id int)" % table)
        a.cursor().execute("INSERT INTO %s VALUES (1)" % table)
        cur = b.cursor()
        cur.execute("SELECT count(*) FROM %s" % table)
        assert cur.fetchone() == (1,)
        b.rollback()
        a.cursor().execute("DROP TABLE %s" % table)


def test_connection_context_manager_commits_and_closes(conninfo, table):
    with awrap.connect(conninfo) as c:
        c.cursor().execute("CREATE TABLE %s (id int)" % table)
        c.cursor().execute("INSERT INTO %s VALUES (7)" % table)
    assert c.closed
    with pytest.raises(awrap.InterfaceError, match="closed"):
        c.cursor()
    with pytest.raises(ZeroDivisionError):
        with awrap.connect(conninfo) as c2:
            c2.cursor().execute("INSERT INTO %s VALUES (8)" % table)
            raise ZeroDivisionError
    with awrap.connect(conninfo, autocommit=True) as c3:
        cur = c3.cursor().execute("SELECT id FROM %s" % table)
        assert cur.fetchall() == [(7,)], "committed on clean exit, rolled back on exception"
        cur.execute("DROP TABLE %s" % table)


def test_close_is_idempotent_and_later_use_fails(conninfo):
    c = awrap.connect(conninfo)
    cur = c.cursor()
    c.close()
    c.close()
    for call in (c.commit, c.rollback, c.cursor, lambda: cur.execute("SELECT 1")):
        with pytest.raises(awrap.InterfaceError, match="closed"):
            call()


def test_cursor_attributes_and_description(conn):
    cur = conn.cursor()
    assert cur.description is None and cur.rowcount == -1 and cur.arraysize == 1
    assert cur.connection is conn
    cur.execute("SELECT 1 AS a, 'two' AS b")
    assert [d[0] for d in cur.description] == ["a", "b"]
    assert all(len(d) == 7 for d in cur.description)
    assert cur.rowcount == 1


def test_description_is_none_for_statements_without_rows(conn, table):
    cur = conn.cursor()
    cur.execute("CREATE TABLE %s (id int)" % table)
    assert cur.description is None
    cur.execute("INSERT INTO %s VALUES (1), (2), (3)" % table)
    assert cur.description is None and cur.rowcount == 3
    with pytest.raises(awrap.ProgrammingError, match="no rows"):
        cur.fetchone()
    cur.execute("UPDATE %s SET id = id + 10 WHERE id >= 2" % table)
    assert cur.rowcount == 2


def test_fetch_methods(conn):
    cur = conn.cursor()
    with pytest.raises(awrap.ProgrammingError, match="execute"):
        cur.fetchone()
    query = ("SELECT seq FROM seq_1_to_7" if conn.engine == "mysql"
             else "SELECT g FROM generate_series(1, 7) g")
    cur.execute(query + " ORDER BY 1")
    assert cur.fetchone() == (1,)
    assert cur.fetchmany() == [(2,)]
    cur.arraysize = 2
    assert cur.fetchmany() == [(3,), (4,)]
    assert cur.fetchmany(1) == [(5,)]
    assert cur.fetchall() == [(6,), (7,)]
    assert cur.fetchone() is None
    assert cur.fetchmany(3) == [] and cur.fetchall() == []
    cur.execute(query + " ORDER BY 1")
    assert [row[0] for row in cur] == list(range(1, 8))
    assert isinstance(cur.execute(query), awrap.Cursor)


def test_executemany(conn, table):
    cur = conn.cursor()
    cur.execute("CREATE TABLE %s (id int, name varchar(10))" % table)
    cur.executemany("INSERT INTO %s VALUES (%%s, %%s)" % table, [(1, "a"), (2, "b"), (3, "c")])
    assert cur.rowcount == 3
    cur.executemany("INSERT INTO %s VALUES (%%(id)s, %%(name)s)" % table, [{"id": 4, "name": "d"}])
    cur.execute("SELECT count(*) FROM %s" % table)
    assert cur.fetchone() == (4,)
    conn.rollback()


def test_callproc(conn):
    cur = conn.cursor()
    if conn.engine == "mysql":
        cur.execute("CREATE OR REPLACE PROCEDURE py_add(a INT, b INT) SELECT a + b")
    else:
        cur.execute("CREATE OR REPLACE FUNCTION py_add(a int, b int) RETURNS int "
                    "LANGUAGE sql AS 'SELECT a + b'")
    assert cur.callproc("py_add", (2, 3)) == (2, 3)
    assert cur.fetchone()[0] == 5
    with pytest.raises(awrap.ProgrammingError, match="procname"):
        cur.callproc("x; DROP TABLE y", ())
    conn.rollback()


def test_nextset_setinputsizes_setoutputsize(conn):
    cur = conn.cursor()
    with pytest.raises(awrap.ProgrammingError):
        cur.nextset()
    cur.setinputsizes([10, None])
    cur.setoutputsize(100)
    cur.setoutputsize(100, 0)
    cur.execute("SELECT 1")
    assert cur.nextset() is None


def test_cursor_context_manager_and_close(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
    assert cur.closed
    with pytest.raises(awrap.InterfaceError, match="cursor is closed"):
        cur.execute("SELECT 1")
    with pytest.raises(awrap.InterfaceError):
        cur.fetchone()


def test_pyformat_placeholders_both_styles(conn):
    cur = conn.cursor()
    cur.execute("SELECT %s, %s", (1, "a"))
    assert cur.fetchone() == (1, "a")
    cur.execute("SELECT %(x)s, %(y)s, %(x)s", {"x": 5, "y": "b"})
    assert cur.fetchone() == (5, "b", 5)
    cur.execute("SELECT '100%%', %s", ["z"])
    assert cur.fetchone() == ("100%", "z")
    cur.execute("SELECT '50%'")  # no parameters: the query is sent untouched
    assert cur.fetchone() == ("50%",)


def test_rownumber_and_scroll(conn):
    cur = conn.cursor()
    cur.execute("SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3")
    assert cur.rownumber == 0
    cur.fetchone()
    assert cur.rownumber == 1
    cur.scroll(1)
    assert cur.fetchone() == (3,)
    cur.scroll(0, "absolute")
    assert cur.fetchone() == (1,)
    with pytest.raises(IndexError):
        cur.scroll(10)


def test_aws_wrapper_entry_point_on_both_engines(engine, conninfo):
    import psycopg
    target = psycopg.Connection.connect if engine == "pg" else "mysql"
    host = "127.0.0.40" if engine == "pg" else "127.0.0.41"
    with awrap.AwsWrapperConnection.connect(target, host=host, database="awrap", user="awrap",
                                            password="awrap-lab-password", plugins="failover",
                                            wrapper_dialect="pg" if engine == "pg" else "mariadb",
                                            autocommit=True) as conn:
        assert isinstance(conn, awrap.AwsWrapperConnection)
        assert conn.engine == ("pg" if engine == "pg" else "mysql") and conn.autocommit
        assert conn.cursor().execute("SELECT %s", (1,)).fetchone() == (1,)
    # A conninfo string as psycopg / a URL as mysql.connector users would pass it.
    with awrap.AwsWrapperConnection.connect(target, conninfo) as conn:
        assert conn.autocommit is False
        assert conn.cursor().execute("SELECT 2").fetchone() == (2,)
