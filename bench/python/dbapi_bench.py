#!/usr/bin/python3
"""Per-call cost and fetch throughput of awrap's Python package against Debian's psycopg, in one
run, side by side, on the same PostgreSQL server.

  flock /tmp/awrap-lab.lock lab/awlab up --name itest-pg --engine pg --nodes 1 --base 127.0.0.40
  PYTHONPATH=build/release/python /usr/bin/python3 bench/python/dbapi_bench.py [--rounds 15]

Workloads (autocommit connections, one cursor reused):
  select1  cursor.execute("SELECT 1"); cursor.fetchone()          time per call
  rows10k  cursor.execute(10,000 rows of (int, text)); fetchall()  rows per second
Drivers: awrap (default plugins), awrap with plugins="" (the bare native path), psycopg (Debian's
python3-psycopg, its pure-Python implementation: Debian ships no psycopg_c), and psycopg2 (C)
when python3-psycopg2 is installed. Rounds interleave the drivers; each figure is the median over
rounds; ratios are taken against psycopg within this run.
"""
import argparse
import json
import os
import statistics
import sys
import time

CONNINFO = os.environ.get("AWRAP_BENCH_PG_CONNINFO",
                          "host=127.0.0.40 port=5432 user=awrap password=awrap-lab-password dbname=awrap")
ROWS_SQL = "SELECT g, 'row number ' || g FROM generate_series(1, 10000) g"


def drivers():
    import awrap
    import psycopg
    out = {
        "awrap": lambda: awrap.connect(CONNINFO, autocommit=True),
        "awrap (no plugins)": lambda: awrap.connect(CONNINFO, autocommit=True, plugins=""),
        "psycopg (%s, %s)" % (psycopg.__version__, psycopg.pq.__impl__):
            lambda: psycopg.connect(CONNINFO, autocommit=True),
    }
    try:
        import psycopg2
        def connect_psycopg2():
            conn = psycopg2.connect(CONNINFO)
            conn.autocommit = True
            return conn
        out["psycopg2 (%s, C)" % psycopg2.__version__.split()[0]] = connect_psycopg2
    except ImportError:
        pass
    return out


def select1(cursor, calls):
    started = time.perf_counter_ns()
    for _ in range(calls):
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return (time.perf_counter_ns() - started) / calls / 1000.0  # microseconds per call


def rows10k(cursor, repeats):
    started = time.perf_counter_ns()
    for _ in range(repeats):
        cursor.execute(ROWS_SQL)
        assert len(cursor.fetchall()) == 10000
    return 10000 * repeats / ((time.perf_counter_ns() - started) / 1e9)  # rows per second


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--calls", type=int, default=2000, help="SELECT 1 calls per round and driver")
    p.add_argument("--repeats", type=int, default=5, help="10,000-row fetches per round and driver")
    p.add_argument("--json")
    args = p.parse_args()
    connections = {name: make() for name, make in drivers().items()}
    cursors = {name: conn.cursor() for name, conn in connections.items()}
    for cursor in cursors.values():  # warm up
        select1(cursor, 200)
        rows10k(cursor, 1)
    samples = {name: {"select1_us": [], "rows10k_per_s": []} for name in cursors}
    names = list(cursors)
    for round_index in range(args.rounds):
        order = names[round_index % len(names):] + names[:round_index % len(names)]
        for name in order:
            samples[name]["select1_us"].append(select1(cursors[name], args.calls))
        for name in order:
            samples[name]["rows10k_per_s"].append(rows10k(cursors[name], args.repeats))
    psycopg_name = next(n for n in names if n.startswith("psycopg ("))
    base_select = statistics.median(samples[psycopg_name]["select1_us"])
    base_rows = statistics.median(samples[psycopg_name]["rows10k_per_s"])
    summary = []
    print("%-28s %16s %10s %18s %10s" % ("driver", "SELECT 1 (us)", "x psycopg", "10k rows (rows/s)", "x psycopg"))
    for name in names:
        s = statistics.median(samples[name]["select1_us"])
        r = statistics.median(samples[name]["rows10k_per_s"])
        summary.append({"driver": name, "select1_us": round(s, 2), "select1_ratio": round(s / base_select, 3),
                        "rows_per_s": round(r), "rows_ratio": round(r / base_rows, 3)})
        print("%-28s %16.2f %10.3f %18.0f %10.3f" % (name, s, s / base_select, r, r / base_rows))
    print("(SELECT 1: time per call, lower is better; 10k rows: throughput, higher is better; "
          "medians of %d rounds)" % args.rounds)
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"summary": summary, "samples": samples}, handle, indent=2)
    for conn in connections.values():
        conn.close()


if __name__ == "__main__":
    sys.exit(main())
