"""Failover handling written for the AWS Advanced Python Wrapper, running on awrap.

Only the import lines differ from the AWS wrapper version:

    from aws_advanced_python_wrapper import AwsWrapperConnection
    from aws_advanced_python_wrapper.errors import (
        FailoverFailedError, FailoverSuccessError, TransactionResolutionUnknownError)

become the two awrap lines below. The connection settings come from the environment so the same
file runs against a lab cluster (tests/python/test_example.py) or a real Aurora cluster.
"""
import os

import psycopg

from awrap import AwsWrapperConnection
from awrap.errors import (FailoverFailedError, FailoverSuccessError,
                          TransactionResolutionUnknownError)


def setup_session(conn):
    conn.cursor().execute("SET TIME ZONE 'UTC'")


def run(conn, sql, params=None):
    """Runs one statement; re-runs it once after a successful failover."""
    try:
        cursor = conn.cursor()
        cursor.execute(sql, params)
        return cursor
    except FailoverSuccessError:
        # Now on the new writer; the statement was not applied. Session state set by plain SQL
        # is the application's to restore, then run the statement again.
        setup_session(conn)
        cursor = conn.cursor()
        cursor.execute(sql, params)
        return cursor
    except TransactionResolutionUnknownError:
        # The transaction may or may not have committed: check before deciding what to do.
        raise
    except FailoverFailedError:
        # No writer within failover_timeout_sec: open a new connection later.
        raise


def main():
    with AwsWrapperConnection.connect(
            psycopg.Connection.connect,
            host=os.environ.get("PGHOST", "database.cluster-xyz.us-east-1.rds.amazonaws.com"),
            dbname=os.environ.get("PGDATABASE", "postgres"),
            user=os.environ.get("PGUSER", "john"),
            password=os.environ.get("PGPASSWORD", "pwd"),
            plugins="failover",
            wrapper_dialect="aurora-pg",
            cluster_instance_host_pattern=os.environ.get("INSTANCE_HOST_PATTERN") or None,
            connect_timeout=30,
            autocommit=True) as conn:
        setup_session(conn)
        run(conn, "CREATE TABLE IF NOT EXISTS bank_test (id int primary key, name varchar(40), "
                  "account_balance int)")
        run(conn, "INSERT INTO bank_test VALUES (%s, %s, %s)", (0, "Jane Doe", 200))
        run(conn, "INSERT INTO bank_test VALUES (%s, %s, %s)", (1, "John Smith", 200))
        for record in run(conn, "SELECT * FROM bank_test ORDER BY id").fetchall():
            print(record)
        run(conn, "DROP TABLE bank_test")


if __name__ == "__main__":
    main()
