"""``%s`` / ``%(name)s`` placeholders (PEP 249 "pyformat", as psycopg and mysql.connector users
write them) turned into the engine's own: ``$1, $2 …`` on PostgreSQL, ``?`` on MySQL/MariaDB.

Without parameters a query is sent untouched (as psycopg does). With parameters, ``%%`` is a
literal ``%`` and any other ``%x`` is an error. Parsed queries are cached.
"""
import re
from collections.abc import Mapping

from .errors import ProgrammingError
from .types import adapt_mysql, adapt_pg

_TOKEN = re.compile(r"%(?:\((?P<name>[^)]*)\))?(?P<conversion>.?)", re.S)
_CACHE_SIZE = 512
_cache = {}


def parse(query):
    """(literal parts, keys): len(parts) == len(keys) + 1; keys are ints or names."""
    found = _cache.get(query)
    if found is not None:
        return found
    parts, keys, chunk, last = [], [], [], 0
    named = None
    for match in _TOKEN.finditer(query):
        chunk.append(query[last:match.start()])
        last = match.end()
        name, conversion = match.group("name"), match.group("conversion")
        if conversion == "%" and name is None:
            chunk.append("%")
            continue
        if conversion not in ("s", "b", "t"):
            raise ProgrammingError(
                "query placeholder %r at position %d is not supported: use %%s or %%(name)s, "
                "and %%%% for a literal %%" % (match.group(0), match.start()))
        if named is None:
            named = name is not None
        elif named != (name is not None):
            raise ProgrammingError("the query mixes %s and %(name)s placeholders: use one style")
        parts.append("".join(chunk))
        chunk = []
        keys.append(name if named else len(keys))
    chunk.append(query[last:])
    parts.append("".join(chunk))
    result = (tuple(parts), tuple(keys), bool(named))
    if len(_cache) >= _CACHE_SIZE:
        _cache.clear()
    _cache[query] = result
    return result


def _values(keys, named, params):
    if named:
        if not isinstance(params, Mapping):
            raise ProgrammingError("the query uses %%(name)s placeholders: parameters must be a "
                                   "mapping, not %s" % type(params).__name__)
        try:
            return [params[key] for key in keys]
        except KeyError as missing:
            raise ProgrammingError("query parameter %s is missing from the mapping (it has: %s)"
                                   % (missing, ", ".join(map(str, params)) or "nothing")) from None
    if isinstance(params, (str, bytes, Mapping)) or not hasattr(params, "__len__"):
        if isinstance(params, Mapping) and not keys:
            return []
        raise ProgrammingError("the query uses %%s placeholders: parameters must be a sequence "
                               "(tuple or list), not %s" % type(params).__name__)
    if len(params) != len(keys):
        raise ProgrammingError("the query has %d placeholder%s but %d parameter%s given"
                               % (len(keys), "" if len(keys) == 1 else "s", len(params),
                                  " was" if len(params) == 1 else "s were"))
    return params


def convert(query, params, engine):
    """(SQL with the engine's placeholders, values for the native layer)."""
    parts, keys, named = parse(query)
    values = _values(keys, named, params)
    if not keys:
        return parts[0], None
    out = [parts[0]]
    native = []
    if engine == "pg":
        for index, (key, value) in enumerate(zip(keys, values)):
            adapted, cast = adapt_pg(value, key)
            native.append(adapted)
            out.append("$%d%s" % (index + 1, cast))
            out.append(parts[index + 1])
    else:
        for index, (key, value) in enumerate(zip(keys, values)):
            adapted = adapt_mysql(value, key)
            native.append(adapted)
            # Marks bytes as binary: a bare "SELECT ?" then reads back bytes, not text.
            out.append("CAST(? AS BINARY)" if adapted.__class__ is bytes else "?")
            out.append(parts[index + 1])
    return "".join(out), native
