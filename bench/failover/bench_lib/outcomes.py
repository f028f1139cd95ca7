"""What an error a client reported says about its write: pure functions, no I/O.

A client's error class is one of: the wrappers' FailoverSuccessError (not applied, the
connection now points at the new writer), TransactionResolutionUnknownError and
FailoverFailedError (may have committed), connect_failed (never sent), connection_lost (may have
committed), sqlstate_XXXXX (PostgreSQL's answer) or mysql_NNNN (MariaDB's answer)."""

NOT_APPLIED = "not_applied"
UNKNOWN = "unknown"

# SQLSTATE classes in which the server refused the statement before it changed anything:
# 22 data exception, 23 integrity constraint, 25 invalid transaction state (25006: read-only,
# a standby or a demoted writer), 42 syntax or access rule. Others (08 connection, 57 operator
# intervention such as a shutdown, 40 rollback, 53/58/XX) may arrive after the commit.
_REFUSED_SQLSTATE_CLASSES = {"22", "23", "25", "42"}
# MariaDB codes that refuse the statement: 1290 read-only, 1062 duplicate key, 1142/1044 access.
_REFUSED_MYSQL_CODES = {"1290", "1062", "1142", "1044"}


def write_outcome(error_class):
    """NOT_APPLIED when the error says the write was not applied, else UNKNOWN."""
    if error_class in ("FailoverSuccessError", "connect_failed"):
        return NOT_APPLIED
    if error_class.startswith("sqlstate_"):
        return NOT_APPLIED if error_class[9:11] in _REFUSED_SQLSTATE_CLASSES else UNKNOWN
    if error_class.startswith("mysql_"):
        return NOT_APPLIED if error_class[6:] in _REFUSED_MYSQL_CODES else UNKNOWN
    return UNKNOWN
