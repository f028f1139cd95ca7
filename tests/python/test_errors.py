"""Errors: SQLSTATE -> PEP 249 class with .sqlstate and the native code kept; bad arguments give
ProgrammingError / InterfaceError naming the argument, its value and what is accepted."""
import pytest

import awrap
from awrap.errors import class_for


def test_sqlstate_mapping_table():
    assert class_for("QueryError", "23505") is awrap.IntegrityError
    assert class_for("QueryError", "22012") is awrap.DataError
    assert class_for("QueryError", "42601") is awrap.ProgrammingError
    assert class_for("QueryError", "0A000") is awrap.NotSupportedError
    assert class_for("QueryError", "40001") is awrap.OperationalError
    assert class_for("QueryError", "XX000") is awrap.InternalError
    assert class_for("QueryError", "25006") is awrap.InternalError
    assert class_for("ConnectError", "08006") is awrap.OperationalError
    assert class_for("FailoverSuccessError", "08S02") is awrap.FailoverSuccessError
    assert class_for("TransactionResolutionUnknownError", "08007") is awrap.TransactionResolutionUnknownError
    assert class_for("FailoverFailedError", "08001") is awrap.FailoverFailedError
    assert class_for("ConfigError", "") is awrap.ProgrammingError
    assert class_for("ConnectionClosedError", "") is awrap.InterfaceError
    assert class_for("QueryError", "") is awrap.DatabaseError


def test_server_errors_carry_sqlstate_and_native_code(conn, table):
    cur = conn.cursor()
    with pytest.raises(awrap.ProgrammingError) as syntax:
        cur.execute("SELEKT 1")
    assert syntax.value.sqlstate == "42601" if conn.engine == "pg" else "42000"
    if conn.engine == "mysql":
        assert syntax.value.native_code == 1064 and syntax.value.errno == 1064
    conn.rollback()
    cur.execute("CREATE TABLE %s (id int primary key)" % table)
    cur.execute("INSERT INTO %s VALUES (1)" % table)
    with pytest.raises(awrap.IntegrityError) as duplicate:
        cur.execute("INSERT INTO %s VALUES (1)" % table)
    assert duplicate.value.sqlstate == ("23505" if conn.engine == "pg" else "23000")
    assert duplicate.value.awrap_class == "QueryError"
    assert duplicate.value.host
    conn.rollback()
    with pytest.raises(awrap.DataError) as division:
        cur.execute("SELECT 1/0" if conn.engine == "pg" else "INSERT INTO %s VALUES (99999999999)" % table)
    if conn.engine == "pg":
        assert division.value.sqlstate == "22012" and division.value.pgcode == "22012"
    else:
        assert division.value.sqlstate == "22003" and division.value.native_code == 1264
    conn.rollback()
    cur.execute("SELECT 1")  # the connection is still usable
    assert cur.fetchone() == (1,)


def test_wrong_password_is_operational_and_masked(engine):
    if engine == "pg":
        conninfo = "host=127.0.0.40 port=5432 user=awrap password=not-the-password dbname=awrap"
    else:
        conninfo = "mysql://awrap:not-the-password@127.0.0.41:3306/awrap"
    with pytest.raises(awrap.OperationalError) as failed:
        awrap.connect(conninfo, plugins="")
    assert "not-the-password" not in str(failed.value)
    assert failed.value.awrap_class == "AuthError"


def test_bad_property_names_the_property_and_value(conninfo):
    with pytest.raises(awrap.ProgrammingError, match=r"banana.*failover_timeout_sec") as bad:
        awrap.connect(conninfo, failover_timeout_sec="banana")
    assert bad.value.property == "failover_timeout_sec"
    with pytest.raises(awrap.ProgrammingError, match=r"connection property x=\[1\].*not list"):
        awrap.connect(conninfo, x=[1])
    with pytest.raises(awrap.ProgrammingError, match="autocommit must be True or False, not 'yes'"):
        awrap.connect(conninfo, autocommit="yes")
    with pytest.raises(awrap.ProgrammingError, match="engine must be 'pg' or 'mysql', not 'oracle'"):
        awrap.connect(conninfo, engine="oracle")
    with pytest.raises(awrap.ProgrammingError, match="conninfo must be a str"):
        awrap.connect(42)
    with pytest.raises(awrap.ProgrammingError, match="no server given"):
        awrap.connect()


def test_bad_statement_arguments(conn):
    cur = conn.cursor()
    with pytest.raises(awrap.ProgrammingError, match="query must be a str, not bytes"):
        cur.execute(b"SELECT 1")
    with pytest.raises(awrap.ProgrammingError, match="2 placeholders but 1 parameter was given"):
        cur.execute("SELECT %s, %s", (1,))
    with pytest.raises(awrap.ProgrammingError, match="must be a sequence .* not str"):
        cur.execute("SELECT %s", "ab")
    with pytest.raises(awrap.ProgrammingError, match="must be a mapping, not tuple"):
        cur.execute("SELECT %(a)s", (1,))
    with pytest.raises(awrap.ProgrammingError, match="parameter 'b' is missing from the mapping"):
        cur.execute("SELECT %(a)s, %(b)s", {"a": 1})
    with pytest.raises(awrap.ProgrammingError, match="mixes %s and %\\(name\\)s"):
        cur.execute("SELECT %s, %(a)s", (1,))
    with pytest.raises(awrap.ProgrammingError, match="placeholder '%d' at position 7 is not supported"):
        cur.execute("SELECT %d", (1,))
    with pytest.raises(awrap.ProgrammingError, match="size must be an int >= 0, not -1"):
        cur.execute("SELECT 1").fetchmany(-1)
    with pytest.raises(awrap.ProgrammingError, match="autocommit must be True or False"):
        conn.autocommit = 1
    cur.execute("SELECT 1")  # still usable after every refusal
    assert cur.fetchone() == (1,)


def test_wrapper_target_must_name_an_engine():
    with pytest.raises(awrap.InterfaceError, match="target is required"):
        awrap.AwsWrapperConnection.connect(None, host="127.0.0.40")
    with pytest.raises(awrap.InterfaceError, match="cannot tell the database engine from target"):
        awrap.AwsWrapperConnection.connect(print, host="127.0.0.40")
    with pytest.raises(awrap.InterfaceError, match="not int"):
        awrap.AwsWrapperConnection.connect(5, host="127.0.0.40")


def test_event_listeners_must_be_callable(conninfo):
    with pytest.raises(awrap.ProgrammingError, match=r"on_failover must be a callable .* not 3"):
        awrap.connect(conninfo, on_failover=3)
    with pytest.raises(awrap.ProgrammingError, match=r"on_call_aborted must be a callable"):
        awrap.AwsWrapperConnection.connect("pg", conninfo, on_call_aborted="log")
