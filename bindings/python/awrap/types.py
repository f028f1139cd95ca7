"""PEP 249 type objects and constructors, and the conversions between Python values and the
servers' text forms that C++ leaves to Python (numeric, dates and times, uuid, intervals).

Result columns: int, float, bool, str and bytes are converted in C++ (awrap._native); the
converters below handle the rest, registered per engine by type code (PostgreSQL type OID,
MySQL field type). Parameters: `adapt_pg` / `adapt_mysql` turn a Python value into one the native
layer sends (None, bool, int, float, str, bytes) plus, on PostgreSQL, the cast that gives the
placeholder the value's type (so ``SELECT %s`` with 1 returns 1, not '1').
"""
import datetime
import decimal
import re
import time
import uuid

from .errors import DataError, ProgrammingError

# ---- type objects ---------------------------------------------------------------------------


class TypeCode(int):
    """A column's type code in ``cursor.description``: the PostgreSQL type OID or the MySQL field
    type, which knows which PEP 249 type objects it equals."""

    def __new__(cls, code, engine, categories):
        self = int.__new__(cls, code)
        self.engine = engine
        self.categories = categories
        return self

    def __repr__(self):
        return "TypeCode(%d, %r)" % (int(self), self.engine)


class DBAPITypeObject:
    """Compares equal to every type code of its category (PEP 249)."""

    def __init__(self, name, codes):
        self.name = name
        self._codes = frozenset(codes)  # for plain ints: the union over both engines

    def __eq__(self, other):
        if isinstance(other, TypeCode):
            return self.name in other.categories
        if isinstance(other, int):
            return other in self._codes
        return NotImplemented

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return "<awrap type %s>" % self.name


_PG = {
    "STRING": {25, 1043, 1042, 19, 18, 114, 3802, 142, 705},
    "BINARY": {17},
    "NUMBER": {20, 21, 23, 26, 700, 701, 1700, 790},
    "DATETIME": {1082, 1083, 1266, 1114, 1184, 1186},
    "ROWID": {26},
}
_MYSQL_TEXT = {15, 249, 250, 251, 252, 253, 254, 245, 247, 248}
_MYSQL = {
    "STRING": _MYSQL_TEXT,
    "BINARY": _MYSQL_TEXT | {16, 255},
    "NUMBER": {0, 1, 2, 3, 4, 5, 8, 9, 13, 16, 246},
    "DATETIME": {7, 10, 11, 12, 14},
    "ROWID": set(),
}

STRING = DBAPITypeObject("STRING", _PG["STRING"] | _MYSQL["STRING"])
BINARY = DBAPITypeObject("BINARY", _PG["BINARY"])
NUMBER = DBAPITypeObject("NUMBER", _PG["NUMBER"] | {0, 1, 2, 3, 4, 5, 8, 9, 13, 246})
DATETIME = DBAPITypeObject("DATETIME", _PG["DATETIME"] | _MYSQL["DATETIME"])
ROWID = DBAPITypeObject("ROWID", _PG["ROWID"])

_type_codes = {}


def type_code(engine, code, binary):
    """The (cached) TypeCode for a column."""
    key = (engine, code, binary)
    found = _type_codes.get(key)
    if found is None:
        table = _PG if engine == "pg" else _MYSQL
        categories = {name for name, codes in table.items() if code in codes}
        if engine == "mysql" and code in _MYSQL_TEXT:
            categories.discard("STRING" if binary else "BINARY")
        found = _type_codes[key] = TypeCode(code, engine, frozenset(categories))
    return found


# ---- constructors (PEP 249) -----------------------------------------------------------------

Date = datetime.date
Time = datetime.time
Timestamp = datetime.datetime


def DateFromTicks(ticks):  # noqa: N802 - PEP 249 names
    return Date(*time.localtime(ticks)[:3])


def TimeFromTicks(ticks):  # noqa: N802
    return Time(*time.localtime(ticks)[3:6])


def TimestampFromTicks(ticks):  # noqa: N802
    return Timestamp(*time.localtime(ticks)[:6])


def Binary(value):  # noqa: N802
    return bytes(value)


# ---- server text -> Python --------------------------------------------------------------------


def _date(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        if text == "0000-00-00":  # MySQL's zero date
            return None
        raise DataError("date %r cannot be represented as datetime.date" % text) from None


def _datetime(text):
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        if text.startswith("0000-00-00"):
            return None
        raise DataError("timestamp %r cannot be represented as datetime.datetime" % text) from None


def _time(text):
    try:
        return datetime.time.fromisoformat(text)
    except ValueError:
        if text == "24:00:00":
            return datetime.time.max
        raise DataError("time %r cannot be represented as datetime.time" % text) from None


_PG_INTERVAL = re.compile(
    r"(?:(?P<years>[-+]?\d+) years?)?\s*(?:(?P<months>[-+]?\d+) mons?)?\s*"
    r"(?:(?P<days>[-+]?\d+) days?)?\s*"
    r"(?:(?P<sign>[-+])?(?P<hours>\d+):(?P<minutes>\d+):(?P<seconds>\d+(?:\.\d+)?))?$")


def _pg_interval(text):
    """PostgreSQL's default interval output; months count 30 days and years 365 (as psycopg)."""
    match = _PG_INTERVAL.match(text.strip())
    if not match:
        raise DataError("interval %r is not in PostgreSQL's 'postgres' IntervalStyle" % text)
    parts = match.groupdict()
    days = int(parts["years"] or 0) * 365 + int(parts["months"] or 0) * 30 + int(parts["days"] or 0)
    clock = datetime.timedelta(hours=int(parts["hours"] or 0), minutes=int(parts["minutes"] or 0),
                               seconds=float(parts["seconds"] or 0))
    if parts["sign"] == "-":
        clock = -clock
    return datetime.timedelta(days=days) + clock


def _mysql_time(text):
    """MySQL TIME ('-838:59:59.000000' … '838:59:59') is a duration: timedelta."""
    negative = text.startswith("-")
    hours, minutes, seconds = text.lstrip("-").split(":")
    value = datetime.timedelta(hours=int(hours), minutes=int(minutes), seconds=float(seconds))
    return -value if negative else value


def _bit(raw):
    return int.from_bytes(raw, "big")


PG_CONVERTERS = {
    1700: decimal.Decimal,  # numeric
    1082: _date, 1083: _time, 1266: _time, 1114: _datetime, 1184: _datetime,
    1186: _pg_interval,
    2950: uuid.UUID,
}

MYSQL_CONVERTERS = {
    0: decimal.Decimal, 246: decimal.Decimal,  # DECIMAL, NEWDECIMAL
    10: _date, 14: _date, 7: _datetime, 12: _datetime,
    11: _mysql_time,
    16: _bit,
}

# ---- Python -> parameters ---------------------------------------------------------------------

_INT4_MIN, _INT4_MAX = -(2 ** 31), 2 ** 31 - 1
_INT8_MIN, _INT8_MAX = -(2 ** 63), 2 ** 63 - 1

ACCEPTED = ("None, bool, int, float, Decimal, str, bytes/bytearray/memoryview, date, time, "
            "datetime, timedelta, UUID (JSON as str)")


def _pg_interval_text(delta):
    return "%d days %d seconds %d microseconds" % (delta.days, delta.seconds, delta.microseconds)


def _mysql_time_text(delta):
    micros = (delta.days * 86400 + delta.seconds) * 1000000 + delta.microseconds
    sign = "-" if micros < 0 else ""
    seconds, fraction = divmod(abs(micros), 1000000)
    return "%s%d:%02d:%02d.%06d" % (sign, seconds // 3600, seconds // 60 % 60, seconds % 60, fraction)


def adapt_pg(value, position):
    """(value for the native layer, cast after the placeholder) for PostgreSQL."""
    kind = type(value)
    if value is None or kind is str:
        return value, ""
    if kind is bool:
        return value, "::bool"
    if kind is int:
        # The smallest of int4 / int8 / numeric that holds the value: int4 widens implicitly to
        # int8 and numeric, so functions and operators taking any of them resolve.
        if _INT4_MIN <= value <= _INT4_MAX:
            return value, "::int4"
        return value, "::int8" if _INT8_MIN <= value <= _INT8_MAX else "::numeric"
    if kind is float:
        return value, "::float8"
    if isinstance(value, decimal.Decimal):
        return str(value), "::numeric"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "\\x" + bytes(value).hex(), "::bytea"
    if isinstance(value, datetime.datetime):
        return value.isoformat(" "), "::timestamptz" if value.utcoffset() is not None else "::timestamp"
    if isinstance(value, datetime.date):
        return value.isoformat(), "::date"
    if isinstance(value, datetime.time):
        return value.isoformat(), "::timetz" if value.utcoffset() is not None else "::time"
    if isinstance(value, datetime.timedelta):
        return _pg_interval_text(value), "::interval"
    if isinstance(value, uuid.UUID):
        return str(value), "::uuid"
    if isinstance(value, int):  # int subclasses (IntEnum …)
        return adapt_pg(int(value), position)
    if isinstance(value, str):
        return str(value), ""
    if isinstance(value, float):
        return float(value), "::float8"
    raise _cannot_adapt(value, position)


def adapt_mysql(value, position):
    """The value for the native layer on MySQL/MariaDB (no casts: the server converts)."""
    kind = type(value)
    if value is None or kind is str or kind is int or kind is float or kind is bool:
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, datetime.datetime):
        if value.utcoffset() is not None:  # DATETIME has no zone: store UTC
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value.isoformat(" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.replace(tzinfo=None).isoformat()
    if isinstance(value, datetime.timedelta):
        return _mysql_time_text(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (int, float, str)):
        return (int if isinstance(value, int) else float if isinstance(value, float) else str)(value)
    raise _cannot_adapt(value, position)


def _cannot_adapt(value, position):
    hint = " (pass JSON as a str: json.dumps(value))" if isinstance(value, (dict, list)) else ""
    return ProgrammingError("parameter %s: cannot send a value of type %s%s; accepted: %s"
                            % (position, type(value).__name__, hint, ACCEPTED))
