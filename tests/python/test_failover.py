"""Failover from Python on real lab clusters (aurora-flavour PostgreSQL, multi-az MariaDB): a
writer crash mid-statement, mid-transaction and during COMMIT raises the right exception, and the
connection is usable afterwards; other Python threads run while a connection fails over; the
seed example (AWS wrapper code with its imports changed) and the failover benchmark's Python
client run on the cluster."""
import json
import os
import subprocess
import sys
import threading
import time

import pytest

import awrap
from awrap.errors import (FailoverSuccessError, TransactionResolutionUnknownError)
from lab import ROOT, LabCluster, eventually, statement_running_sql

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def pg_cluster():
    cluster = LabCluster("pytest-pg", "pg", "aurora", "127.0.0.151", sync=True)
    cluster.sql(cluster.status["writer"], "CREATE TABLE IF NOT EXISTS py_fo(id int primary key, note text)")
    yield cluster
    cluster.down()


@pytest.fixture(scope="module")
def maria_cluster():
    cluster = LabCluster("pytest-maria", "mariadb", "multi-az", "127.0.0.161")
    yield cluster
    cluster.down()


@pytest.fixture
def pg(pg_cluster):
    pg_cluster.restore()
    conn = awrap.connect(autocommit=True, **pg_cluster.connect_kwargs())
    yield conn
    conn.close()


def on_writer(conn, cluster):
    cur = conn.cursor()
    cur.execute("SELECT pg_is_in_recovery()")
    assert cur.fetchone() == (False,)
    # awrap sees a promotion as soon as the server takes it; the lab records it after its own
    # checks (a write accepted, topology and DNS updated), so its status may lag a little.
    assert eventually(lambda: conn.current_host.startswith(cluster.node(cluster.writer)["hostname"])), \
        (conn.current_host, cluster.writer)


def crash_once_running(cluster, session, seen):
    """Crashes the writer once it shows `session` running its sleep (a crash before the statement
    arrived would be the idle case); records in `seen` whether it was seen running."""
    writer = cluster.writer
    running = statement_running_sql(cluster.engine, session, "sleep")

    def crash():
        seen.append(eventually(lambda: cluster.sql(writer, running).strip() == "1", timeout=8))
        cluster.crash_writer_and_fail_over()
    thread = threading.Thread(target=crash)
    thread.start()
    return thread


def test_crash_mid_statement_is_failover_success(pg, pg_cluster):
    cur = pg.cursor()
    cur.execute("SELECT pg_backend_pid()")
    seen = []
    crasher = crash_once_running(pg_cluster, cur.fetchone()[0], seen)
    with pytest.raises(FailoverSuccessError) as raised:
        pg.cursor().execute("SELECT pg_sleep(10)")
    crasher.join()
    assert seen == [True], "the writer never showed the statement running"
    assert raised.value.sqlstate == "08S02"
    on_writer(pg, pg_cluster)


def test_crash_mid_transaction_is_resolution_unknown_and_nothing_committed(pg, pg_cluster):
    pg.autocommit = False
    cur = pg.cursor()
    cur.execute("DELETE FROM py_fo")
    pg.commit()
    cur.execute("INSERT INTO py_fo VALUES (%s, %s)", (1, "in a transaction"))
    pg_cluster.crash_writer_and_fail_over()
    with pytest.raises(TransactionResolutionUnknownError) as raised:
        cur.execute("INSERT INTO py_fo VALUES (%s, %s)", (2, "after the crash"))
    assert raised.value.sqlstate == "08007"
    assert not pg.in_transaction
    cur.execute("SELECT count(*) FROM py_fo")
    assert cur.fetchone() == (0,), "the transaction never committed"
    pg.rollback()
    on_writer(pg, pg_cluster)


def test_crash_during_commit_is_resolution_unknown(pg, pg_cluster):
    """With a synchronous standby, COMMIT waits for it: stop both standbys, so the COMMIT is in
    flight on the writer when the writer is crashed."""
    pg.autocommit = False
    cur = pg.cursor()
    cur.execute("INSERT INTO py_fo VALUES (%s, %s) ON CONFLICT DO NOTHING", (10, "commit in flight"))
    writer = pg_cluster.writer
    readers = [n["name"] for n in pg_cluster.status["nodes"] if n["name"] != writer]
    for reader in readers:
        pg_cluster.fault(reader, "hang")

    def crash_then_recover():
        time.sleep(0.5)
        pg_cluster.fault(writer, "crash")
        for reader in readers:
            pg_cluster.heal(reader)
        pg_cluster.failover()
    thread = threading.Thread(target=crash_then_recover)
    thread.start()
    started = time.monotonic()
    with pytest.raises(TransactionResolutionUnknownError):
        pg.commit()
    thread.join()
    assert time.monotonic() - started >= 0.4, "COMMIT was in flight when the writer died"
    cur.execute("SELECT 1")  # usable; the outcome of the COMMIT is for the application to check
    assert cur.fetchone() == (1,)
    pg.rollback()


def test_other_threads_run_while_a_connection_fails_over(pg, pg_cluster):
    counter = {"python": 0, "queries": 0}
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            counter["python"] += 1

    def query_elsewhere():  # the lab's single-node server: unaffected by the cluster's failover
        with awrap.connect(os.environ.get("AWRAP_TEST_PG_CONNINFO",
                                          "host=127.0.0.40 port=5432 user=awrap password=awrap-lab-password dbname=awrap"),
                           autocommit=True) as other:
            cur = other.cursor()
            while not stop.is_set():
                cur.execute("SELECT 1")
                counter["queries"] += 1

    threads = [threading.Thread(target=spin), threading.Thread(target=query_elsewhere)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    # The lab promotes a standby 1.5 s after the crash, as Aurora would: the call below spends
    # that time inside awrap's failover, waiting for a new writer.
    pg_cluster.fault(pg_cluster.writer, "crash", failover_after_ms=1500)
    before = dict(counter)
    started = time.monotonic()
    with pytest.raises(FailoverSuccessError):
        pg.cursor().execute("SELECT 1")
    took = time.monotonic() - started
    during = {k: counter[k] - before[k] for k in counter}
    stop.set()
    for t in threads:
        t.join()
    assert took > 0.8, "the call waited for the promotion (%.2f s)" % took
    assert during["queries"] > 20, during
    assert during["python"] > 100000, during
    on_writer(pg, pg_cluster)


def test_call_aborted_by_host_monitoring_is_told_on_the_monitor_thread(pg_cluster):
    """The writer hangs (SIGSTOP) under a running statement: host monitoring aborts the call and
    on_call_aborted runs on awrap's monitor thread, taking the GIL there; then failover."""
    pg_cluster.restore()
    aborted = []

    def on_call_aborted(event):
        aborted.append((event, threading.get_ident()))

    conn = awrap.connect(autocommit=True, on_call_aborted=on_call_aborted,
                         failure_detection_time_ms=500, failure_detection_interval_ms=500,
                         failure_detection_count=1, **pg_cluster.connect_kwargs())
    cur = conn.cursor()
    cur.execute("SELECT pg_backend_pid()")
    session = cur.fetchone()[0]
    writer = pg_cluster.writer
    running = statement_running_sql("pg", session, "sleep")
    seen = []

    def hang_then_fail_over():  # the failover only once the abort was told (or clearly was not)
        seen.append(eventually(lambda: pg_cluster.sql(writer, running).strip() == "1", timeout=8))
        pg_cluster.fault(writer, "hang")
        seen.append(eventually(lambda: len(aborted) > 0, timeout=5))
        pg_cluster.failover()
    helper = threading.Thread(target=hang_then_fail_over)
    helper.start()
    with pytest.raises(FailoverSuccessError):
        cur.execute("SELECT pg_sleep(30)")
    helper.join()
    assert seen == [True, True], "statement running, abort told"
    assert len(aborted) == 1, aborted
    event, thread = aborted[0]
    assert thread != threading.get_ident(), "on the monitor thread"
    assert event.reason == "host_unresponsive"
    assert event.host.startswith(pg_cluster.node(writer)["hostname"])
    assert event.call_duration_ms >= 500
    on_writer(conn, pg_cluster)
    conn.close()


def test_mariadb_crash_mid_statement_is_failover_success(maria_cluster):
    """Also: the connection's event listeners hear of the failover, on the calling thread, before
    the error is raised; one that raises changes nothing (it goes to sys.unraisablehook)."""
    maria_cluster.restore()
    told = []
    unraisable = []

    def on_failover(event):
        told.append((event, threading.get_ident()))

    def on_failover_started(event):
        raise RuntimeError("a bug in the application's listener")

    previous_hook = sys.unraisablehook
    sys.unraisablehook = unraisable.append
    try:
        conn = awrap.connect(autocommit=True, on_failover=on_failover,
                             on_failover_started=on_failover_started,
                             **maria_cluster.connect_kwargs())
        cur = conn.cursor()
        cur.execute("SELECT CONNECTION_ID()")
        seen = []
        crasher = crash_once_running(maria_cluster, cur.fetchone()[0], seen)
        with pytest.raises(FailoverSuccessError) as raised:
            conn.cursor().execute("SELECT SLEEP(10)")
        crasher.join()
    finally:
        sys.unraisablehook = previous_hook
    assert seen == [True], "the writer never showed the statement running"
    assert len(told) == 1, told
    event, thread = told[0]
    assert thread == threading.get_ident()
    assert event.result == "success"
    assert event.error == str(raised.value)
    assert event.to_host == conn.current_host
    assert event.to_role == "writer"
    assert event.from_host != event.to_host
    assert event.duration_ms >= 0
    assert [str(u.exc_value) for u in unraisable] == ["a bug in the application's listener"]
    cur = conn.cursor()
    cur.execute("SELECT @@read_only")
    assert cur.fetchone() == (0,)
    conn.close()


def test_mariadb_crash_mid_transaction_is_resolution_unknown(maria_cluster):
    maria_cluster.restore()
    conn = awrap.connect(**maria_cluster.connect_kwargs())
    cur = conn.cursor()
    cur.execute("CREATE TABLE IF NOT EXISTS py_fo (id int primary key)")
    cur.execute("DELETE FROM py_fo")
    conn.commit()
    cur.execute("INSERT INTO py_fo VALUES (%s)", (1,))
    maria_cluster.crash_writer_and_fail_over()
    with pytest.raises(TransactionResolutionUnknownError):
        cur.execute("INSERT INTO py_fo VALUES (%s)", (2,))
    cur.execute("SELECT count(*) FROM py_fo")
    assert cur.fetchone() == (0,), "the transaction never committed"
    conn.rollback()
    conn.close()


def test_seed_example_runs_on_the_cluster(pg_cluster):
    pg_cluster.restore()
    env = dict(os.environ, PGHOST=pg_cluster.status["cluster_endpoint"], PGDATABASE="awrap",
               PGUSER="awrap", PGPASSWORD="awrap-lab-password",
               INSTANCE_HOST_PATTERN=pg_cluster.status["host_pattern"])
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "python", "pg_failover.py")],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.splitlines() == ["(0, 'Jane Doe', 200)", "(1, 'John Smith', 200)"]


def test_failover_benchmark_python_client(pg_cluster):
    pg_cluster.restore()
    pg_cluster.sql(pg_cluster.writer, "CREATE TABLE IF NOT EXISTS bench_writes(run_id int, client varchar(16), "
                   "thread int, seq bigint, PRIMARY KEY (run_id, client, thread, seq))")
    status = pg_cluster.status
    cmd = [sys.executable, os.path.join(ROOT, "bench", "failover", "python_client.py"),
           "--conninfo", "host=%s port=5432 user=awrap password=awrap-lab-password dbname=awrap"
           % status["cluster_endpoint"], "--set", "cluster_instance_host_pattern=" + status["host_pattern"],
           "--set", "cluster_endpoint_role=writer", "--threads", "2", "--duration-ms", "1500",
           "--run-id", "77"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout)
    assert out["client"] == "awrap-python" and len(out["threads"]) == 2
    ops = out["threads"][0]["ops"]
    assert ops and all(op[3] for op in ops), "every operation succeeded on a healthy cluster"
