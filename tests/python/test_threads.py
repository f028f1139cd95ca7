"""The GIL is released while awrap waits on the network: other Python threads run meanwhile.
Cancel from another thread stops a running statement."""
import threading
import time

import pytest

import awrap
from lab import eventually, statement_running_sql


class Counter(threading.Thread):
    """Pure-Python work: it advances only while it holds the GIL."""

    def __init__(self):
        super().__init__(daemon=True)
        self.count = 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            self.count += 1


def sleep_sql(engine, seconds):
    return "SELECT SLEEP(%s)" % seconds if engine == "mariadb" else "SELECT pg_sleep(%s)" % seconds


def test_other_threads_run_and_query_while_one_waits(conninfo, engine):
    waiting = awrap.connect(conninfo, autocommit=True)
    counter = Counter()
    counter.start()
    queries = []

    def query_loop():
        with awrap.connect(conninfo, autocommit=True) as c:
            cur = c.cursor()
            deadline = time.monotonic() + 1.0
            while time.monotonic() < deadline:
                cur.execute("SELECT 1")
                queries.append(cur.fetchone())

    worker = threading.Thread(target=query_loop)
    time.sleep(0.1)
    before = counter.count
    started = time.monotonic()
    worker.start()
    waiting.cursor().execute(sleep_sql(engine, 1.5))
    elapsed = time.monotonic() - started
    worker.join()
    counter.stop.set()
    counter.join()
    waiting.close()
    assert elapsed >= 1.4
    assert len(queries) > 20, "another thread ran queries during the 1.5 s wait"
    assert counter.count - before > 100000, "pure-Python thread made progress during the wait"


def test_cancel_from_another_thread(conninfo, engine):
    conn = awrap.connect(conninfo, autocommit=True)
    cur = conn.cursor()
    cur.execute("SELECT pg_backend_pid()" if engine == "pg" else "SELECT CONNECTION_ID()")
    running = statement_running_sql(engine, cur.fetchone()[0], "sleep")
    watcher = awrap.connect(conninfo, autocommit=True)
    seen = []

    def cancel_once_running():  # a cancel before the statement arrived would stop nothing
        watch = watcher.cursor()

        def is_running():
            watch.execute(running)
            return watch.fetchone()[0] == 1
        seen.append(eventually(is_running, timeout=5, poll=0.01))
        conn.cancel()
    timer = threading.Thread(target=cancel_once_running)
    timer.start()
    started = time.monotonic()
    if engine == "pg":
        with pytest.raises(awrap.OperationalError) as cancelled:
            conn.cursor().execute("SELECT pg_sleep(10)")
        assert cancelled.value.sqlstate == "57014"
    else:
        # MariaDB's KILL QUERY makes SLEEP() return 1 early instead of failing.
        try:
            conn.cursor().execute("SELECT SLEEP(10)")
        except awrap.OperationalError as cancelled:
            assert cancelled.awrap_class == "QueryCancelledError"
    assert time.monotonic() - started < 5
    timer.join()
    watcher.close()
    assert seen == [True], "the server never showed the statement running"
    cur = conn.cursor()
    cur.execute("SELECT 1")
    assert cur.fetchone() == (1,)
    conn.close()


def test_close_from_another_thread_waits_for_the_running_statement(conninfo, engine):
    conn = awrap.connect(conninfo, autocommit=True)
    result = []
    thread = threading.Thread(target=lambda: result.append(conn.cursor().execute(sleep_sql(engine, 0.5)).fetchone()))
    thread.start()
    time.sleep(0.1)
    conn.close()
    thread.join()
    assert len(result) == 1 and conn.closed
