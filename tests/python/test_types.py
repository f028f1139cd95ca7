"""Python values to the server and back, on both engines: through parameters into typed columns,
and as bare parameters (SELECT %s)."""
import datetime
import decimal
import uuid

import pytest

import awrap

UTC = datetime.timezone.utc
PLUS_5_30 = datetime.timezone(datetime.timedelta(hours=5, minutes=30))

# (pg column type, mariadb column type, values)
CASES = {
    "bool": ("boolean", "boolean", [True, False]),
    "int": ("bigint", "bigint", [0, -1, 2 ** 63 - 1, -(2 ** 63)]),
    "bigint_beyond_64_bits": ("numeric(40)", "decimal(40)", [2 ** 100, -(2 ** 70)]),
    "float": ("float8", "double", [0.0, 1.5, -2.25e-300, 1e300, 0.1]),
    "decimal": ("numeric(30,10)", "decimal(30,10)",
                [decimal.Decimal("0.0000000001"), decimal.Decimal("-12345678901234567890.5")]),
    "str": ("text", "text", ["", "ascii", "ünïcödé ✓ 日本", "quote ' and \\ backslash", "%s %(x)s"]),
    "bytes": ("bytea", "blob", [b"", b"\x00\x01\xff", bytes(range(256)) * 10]),
    "date": ("date", "date", [datetime.date(1, 1, 1), datetime.date(2024, 2, 29), datetime.date(9999, 12, 31)]),
    "time": ("time", "time(6)", [datetime.time(0, 0), datetime.time(23, 59, 59, 999999)]),
    "datetime": ("timestamp", "datetime(6)",
                 [datetime.datetime(2024, 2, 29, 13, 14, 15, 123456), datetime.datetime(1970, 1, 1)]),
    "uuid": ("uuid", "char(36)", [uuid.UUID("12345678-1234-5678-1234-567812345678")]),
    "json_as_str": ("jsonb", "json", ['{"a": [1, 2, {"b": null}]}']),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_round_trip_through_a_column(conn, table, case):
    pg_type, maria_type, values = CASES[case]
    column_type = pg_type if conn.engine == "pg" else maria_type
    cur = conn.cursor()
    cur.execute("CREATE TABLE %s (id int primary key, v %s)" % (table, column_type))
    for index, value in enumerate(values + [None]):
        cur.execute("INSERT INTO %s VALUES (%%s, %%s)" % table, (index, value))
    cur.execute("SELECT v FROM %s ORDER BY id" % table)
    got = [row[0] for row in cur.fetchall()]
    expected = list(values) + [None]
    if case == "bigint_beyond_64_bits":
        expected = [decimal.Decimal(v) for v in values] + [None]  # numeric reads as Decimal
    if case == "bool" and conn.engine == "mysql":
        expected = [1, 0, None]  # MariaDB's BOOLEAN is TINYINT(1), as in mysql.connector
    if case == "uuid" and conn.engine == "mysql":
        expected = [str(v) for v in values] + [None]
    if case == "json_as_str":
        got = [v if v is None else v.replace(" ", "") for v in got]
        expected = [v if v is None else v.replace(" ", "") for v in expected]
    if case == "time" and conn.engine == "mysql":
        expected = [datetime.timedelta(hours=v.hour, minutes=v.minute, seconds=v.second,
                                       microseconds=v.microsecond) for v in values] + [None]
    assert got == expected
    assert all(type(g) is type(e) for g, e in zip(got, expected)), [type(g) for g in got]
    # The same values found again through a WHERE with a parameter.
    if case not in ("float", "json_as_str", "bytes"):
        cur.execute("SELECT count(*) FROM %s WHERE v = %%s" % table, (values[0],))
        assert cur.fetchone()[0] >= 1


def test_tz_aware_datetime_and_time_on_pg(conn, table):
    if conn.engine != "pg":
        pytest.skip("time zones are a PostgreSQL type")
    cur = conn.cursor()
    cur.execute("SET TIME ZONE 'UTC'")
    cur.execute("CREATE TABLE %s (ts timestamptz, t timetz)" % table)
    aware = datetime.datetime(2024, 6, 1, 12, 0, 0, 500, tzinfo=PLUS_5_30)
    cur.execute("INSERT INTO %s VALUES (%%s, %%s)" % table, (aware, datetime.time(10, 30, tzinfo=PLUS_5_30)))
    cur.execute("SELECT ts, t FROM %s" % table)
    ts, t = cur.fetchone()
    assert ts == aware and ts.utcoffset() == datetime.timedelta(0)
    assert t == datetime.time(10, 30, tzinfo=PLUS_5_30)
    cur.execute("SELECT %s", (aware,))
    assert cur.fetchone()[0] == aware


def test_tz_aware_datetime_on_mariadb_is_stored_as_utc(conn, table):
    if conn.engine != "mysql":
        pytest.skip("MariaDB DATETIME has no zone")
    cur = conn.cursor()
    cur.execute("CREATE TABLE %s (ts datetime(6))" % table)
    aware = datetime.datetime(2024, 6, 1, 12, 0, tzinfo=PLUS_5_30)
    cur.execute("INSERT INTO %s VALUES (%%s)" % table, (aware,))
    cur.execute("SELECT ts FROM %s" % table)
    assert cur.fetchone()[0] == datetime.datetime(2024, 6, 1, 6, 30)


@pytest.mark.parametrize("delta", [datetime.timedelta(0), datetime.timedelta(days=1, seconds=7322, microseconds=5),
                                   datetime.timedelta(hours=-3, microseconds=-1)])
def test_timedelta(conn, delta):
    cur = conn.cursor()
    cur.execute("SELECT CAST(%s AS TIME(6))" if conn.engine == "mysql" else "SELECT %s", (delta,))
    assert cur.fetchone()[0] == delta


def test_bare_parameters_keep_their_type(conn):
    cur = conn.cursor()
    values = [None, True, 42, 2 ** 80, 1.25, decimal.Decimal("1.50"), "s", b"\x00b",
              datetime.date(2024, 1, 2), datetime.datetime(2024, 1, 2, 3, 4, 5)]
    cur.execute("SELECT " + ", ".join(["%s"] * len(values)), values)
    got = cur.fetchone()
    if conn.engine == "pg":
        assert got == tuple(values)
        assert type(got[5]) is decimal.Decimal and type(got[2]) is int
        assert type(got[3]) is decimal.Decimal, "beyond 64 bits goes as numeric, read as Decimal"
        cur.execute("SELECT %s", (uuid.UUID(int=5),))
        assert cur.fetchone()[0] == uuid.UUID(int=5)
    else:
        # Untyped MariaDB parameters come back as the server types them: big ints as text.
        assert got[0] is None and got[1] == 1 and got[2] == 42 and int(got[3]) == 2 ** 80
        assert got[4] == 1.25 and got[6] == "s" and got[7] == b"\x00b"


def test_bytearray_and_memoryview(conn):
    cur = conn.cursor()
    cur.execute("SELECT %s, %s", (bytearray(b"\x01\x02"), memoryview(b"\x03")))
    assert cur.fetchone() == (b"\x01\x02", b"\x03")


def test_special_floats_on_pg(conn):
    if conn.engine != "pg":
        pytest.skip("MariaDB has no NaN or infinity")
    cur = conn.cursor()
    cur.execute("SELECT %s, %s, %s", (float("inf"), float("-inf"), float("nan")))
    inf, ninf, nan = cur.fetchone()
    assert inf == float("inf") and ninf == float("-inf") and nan != nan


def test_large_result(conn):
    cur = conn.cursor()
    query = ("SELECT seq, concat('row ', seq) FROM seq_1_to_10000" if conn.engine == "mysql"
             else "SELECT g, 'row ' || g FROM generate_series(1, 10000) g")
    cur.execute(query)
    rows = cur.fetchall()
    assert len(rows) == 10000 and rows[-1] == (10000, "row 10000")


def test_unsupported_parameter_type_is_a_clear_programming_error(conn):
    cur = conn.cursor()
    with pytest.raises(awrap.ProgrammingError, match=r"parameter 0: cannot send a value of type dict.*json.dumps"):
        cur.execute("SELECT %s", ({"a": 1},))
    with pytest.raises(awrap.ProgrammingError, match="parameter x: cannot send a value of type object"):
        cur.execute("SELECT %(x)s", {"x": object()})
