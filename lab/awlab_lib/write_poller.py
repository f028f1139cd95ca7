"""When did the new writer accept its first write? A persistent connection to the promotion
target, opened before the promotion, tries an INSERT every few milliseconds until one commits.

A process spawned per attempt (psql, mariadb) would add tens to hundreds of milliseconds of
start-up on a busy machine and so report the moment late; a session that is already open only
pays one round trip. The poller records three clocks and says which is which:

- sent_mono_ns / accepted_mono_ns: CLOCK_MONOTONIC of this machine when the successful INSERT
  was sent and when its commit was acknowledged (the clock of the event log's mono_ns and of
  C++ std::chrono::steady_clock);
- server_commit_epoch: the server's own time of that commit, CLOCK_REALTIME seconds since the
  epoch (PostgreSQL: pg_xact_commit_timestamp, needs track_commit_timestamp = on; MariaDB keeps
  no commit time, so it is the INSERT statement's start, the row's CURRENT_TIMESTAMP(6));
- server_commit_mono_ns: that server time moved onto CLOCK_MONOTONIC with this machine's
  realtime-monotonic offset (same kernel, so the two clocks differ only by the offset).
"""

import threading
import time

from .common import LAB_DATABASE, LAB_PASSWORD, LAB_USER

POLL_INTERVAL_S = 0.002
CONNECT_TIMEOUT_S = 1


def realtime_offset_ns():
    """CLOCK_REALTIME - CLOCK_MONOTONIC in ns, from the tightest of a few paired readings."""
    best = None
    for _ in range(5):
        before = time.monotonic_ns()
        real = time.time_ns()
        after = time.monotonic_ns()
        if best is None or after - before < best[0]:
            best = (after - before, real - (before + after) // 2)
    return best[1]


class _PgSession:
    READ_ONLY_SQLSTATE = "25006"

    def __init__(self, host, node):
        import psycopg
        self.psycopg = psycopg
        self.node = node
        self.conn = psycopg.connect(host=host, port=5432, user=LAB_USER, password=LAB_PASSWORD,
                                    dbname=LAB_DATABASE, connect_timeout=CONNECT_TIMEOUT_S,
                                    application_name="awlab-write-poller", autocommit=True)

    def try_insert(self):
        """The id of the committed row, or None while the node is read-only."""
        try:
            return self.conn.execute("INSERT INTO awlab.write_probe(node) VALUES (%s) RETURNING id",
                                     (self.node,)).fetchone()[0]
        except self.psycopg.errors.ReadOnlySqlTransaction:
            return None

    def commit_epoch(self, row_id):
        try:
            row = self.conn.execute(
                "SELECT extract(epoch FROM pg_catalog.pg_xact_commit_timestamp(xmin))::text "
                "FROM awlab.write_probe WHERE id = %s", (row_id,)).fetchone()
            return float(row[0]) if row and row[0] is not None else None
        except self.psycopg.Error:
            return None  # track_commit_timestamp is off (a cluster made by an older lab)

    def close(self):
        self.conn.close()


class _MariaSession:
    READ_ONLY_ERROR = 1290  # ER_OPTION_PREVENTS_STATEMENT: --read-only

    def __init__(self, host, node):
        import pymysql
        self.pymysql = pymysql
        self.node = node
        self.conn = pymysql.connect(host=host, port=3306, user=LAB_USER, password=LAB_PASSWORD,
                                    database=LAB_DATABASE, connect_timeout=CONNECT_TIMEOUT_S,
                                    read_timeout=5, write_timeout=5, autocommit=True)

    def try_insert(self):
        try:
            with self.conn.cursor() as cursor:
                cursor.execute("INSERT INTO awlab.write_probe(node) VALUES (%s)", (self.node,))
                return cursor.lastrowid
        except self.pymysql.err.OperationalError as error:
            if error.args and error.args[0] == self.READ_ONLY_ERROR:
                return None
            raise

    def commit_epoch(self, row_id):
        with self.conn.cursor() as cursor:
            cursor.execute("SELECT CAST(UNIX_TIMESTAMP(at) AS CHAR) FROM awlab.write_probe "
                           "WHERE id = %s", (row_id,))
            row = cursor.fetchone()
            return float(row[0]) if row and row[0] is not None else None

    def close(self):
        self.conn.close()


class WritePoller:
    """Polls the target in a background thread from start() until a write commits or the
    deadline passes; result() waits for it (bounded by the same deadline)."""

    def __init__(self, engine, host, node, timeout_s=60):
        self.engine = engine
        self.host = host
        self.node = node
        self.deadline = time.monotonic() + timeout_s
        self.outcome = None
        self.error = None
        self.attempts = 0
        self.reconnects = 0
        self.connected = threading.Event()
        self.thread = threading.Thread(target=self._run, name="awlab-write-poller", daemon=True)

    def start(self):
        self.thread.start()
        return self

    def _session(self):
        return (_PgSession if self.engine == "pg" else _MariaSession)(self.host, self.node)

    def _run(self):
        session = None
        last_error = None
        while time.monotonic() < self.deadline:
            try:
                if session is None:
                    session = self._session()
                    self.connected.set()
                sent = time.monotonic_ns()
                row_id = session.try_insert()
                accepted = time.monotonic_ns()
                self.attempts += 1
                if row_id is not None:
                    epoch = session.commit_epoch(row_id)
                    offset = realtime_offset_ns()
                    self.outcome = {
                        "sent_mono_ns": sent, "accepted_mono_ns": accepted,
                        "server_commit_epoch": epoch,
                        "server_commit_mono_ns": (int(round(epoch * 1e9)) - offset
                                                  if epoch is not None else None),
                        "attempts": self.attempts, "reconnects": self.reconnects}
                    break
            except Exception as error:  # connection refused, reset, server shutting down
                last_error = error
                self.reconnects += 1
                if session is not None:
                    try:
                        session.close()
                    except Exception:
                        pass
                session = None
            time.sleep(POLL_INTERVAL_S)
        if session is not None:
            try:
                session.close()
            except Exception:
                pass
        if self.outcome is None:
            self.connected.set()
            self.error = "no write accepted before the deadline (last error: %s)" % (
                str(last_error).strip().splitlines()[0][:200] if last_error else "none")

    def wait_connected(self, timeout_s):
        """Waits (bounded) until the session is open, so no promotion happens unobserved."""
        return self.connected.wait(timeout_s)

    def result(self):
        self.thread.join(max(0.0, self.deadline - time.monotonic()) + 1)
        if self.outcome is None and self.error is None:
            # A write that blocks (a synchronous commit with no standby left to confirm it) must
            # not count as accepted; no statement timeout either, since cancelling that wait
            # would commit the row locally and look like success.
            self.error = "the probe INSERT is still waiting (no synchronous standby to confirm it?)"
        return self.outcome
