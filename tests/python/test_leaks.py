"""Reference counting and memory: a loop of connect / execute / fetch / close keeps the process's
memory and Python's object count flat."""
import gc
import sys

import awrap


def rss_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cycle(conninfo):
    with awrap.connect(conninfo, autocommit=True) as conn:
        cur = conn.cursor()
        cur.execute("SELECT %s, %s, %s", (1, "text", b"bytes"))
        cur.fetchall()
        cur.execute("SELECT 1")
        cur.fetchone()
        try:
            cur.execute("SELEKT")
        except awrap.ProgrammingError:
            pass


def test_connect_execute_close_loop_has_stable_memory(conninfo):
    for _ in range(30):  # warm up caches, allocator pools
        cycle(conninfo)
    gc.collect()
    objects_before = len(gc.get_objects())
    rss_before = rss_kib()
    for _ in range(300):
        cycle(conninfo)
    gc.collect()
    objects_after = len(gc.get_objects())
    rss_after = rss_kib()
    assert objects_after - objects_before < 50, (objects_before, objects_after)
    assert rss_after - rss_before < 4096, "RSS grew %d KiB over 300 cycles" % (rss_after - rss_before)


def test_rows_hold_no_extra_references(conn):
    cur = conn.cursor()
    cur.execute("SELECT %s", ("a fairly unique string value",))
    row = cur.fetchone()
    assert sys.getrefcount(row) == 2  # `row` and the call's argument
    value = row[0]
    del row
    assert sys.getrefcount(value) == 2
    marker = object()
    before = sys.getrefcount(marker)
    try:
        cur.execute("SELECT %s", (marker,))
    except awrap.ProgrammingError:
        pass
    gc.collect()
    assert sys.getrefcount(marker) == before, "a refused parameter is not kept alive"
