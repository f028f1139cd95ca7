#!/usr/bin/python3
"""The failover benchmark's client through awrap's Python package (client name "awrap-python").

Same command line and output as failover_workload (bench/failover/failover_workload.cpp):

  python_client.py --conninfo "..." [--set name=value ...] [--threads 4] [--duration-ms 10000]
                   [--interval-ms 10] [--run-id N] [--client awrap-python] [--label NAME]

--label names the client in the rows it writes and in its output (default: the client name).

Each thread does one small write and one read every ~interval through its own awrap connection
(autocommit), recording each operation's outcome with CLOCK_MONOTONIC timestamps (the lab's event
log uses the same clock). Prints one JSON object on stdout. Threads still inside a call two
seconds after the deadline are reported as hung and abandoned.

awrap is imported from site-packages, else from $AWRAP_PYTHON_PATH, else from
build/release/python or build/dev/python of this repository.
"""
import argparse
import json
import os
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def import_awrap():
    try:
        import awrap
        return awrap
    except ImportError:
        pass
    for path in (os.environ.get("AWRAP_PYTHON_PATH"), os.path.join(ROOT, "build", "release", "python"),
                 os.path.join(ROOT, "build", "dev", "python")):
        if path and os.path.isdir(os.path.join(path, "awrap")):
            sys.path.insert(0, path)
            import awrap
            return awrap
    sys.exit("python_client.py: the awrap package is not installed or built (see docs/python.md)")


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--client", default="awrap-python", choices=["awrap-python"])
    p.add_argument("--label", default=None)
    p.add_argument("--conninfo", required=True)
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--duration-ms", type=int, default=10000)
    p.add_argument("--interval-ms", type=int, default=10)
    p.add_argument("--run-id", type=int, default=0)
    args = p.parse_args()
    args.label = args.label or args.client
    if len(args.label) > 16 or "'" in args.label or "\\" in args.label:
        p.error("--label must be at most 16 characters without quotes or backslashes, got %r" % args.label)
    args.properties = {}
    for item in args.set:
        name, eq, value = item.partition("=")
        if not eq:
            p.error("--set expects name=value, got %r" % item)
        args.properties[name] = value
    return args


class ThreadLog:
    def __init__(self):
        self.ops = []
        self.lock = threading.Lock()
        self.call_started_ns = 0
        self.finished = False


def workload(awrap, args, thread, log, deadline_ns):
    conn = None
    seq = 0
    # Connection-level failures leave nothing to fail over to: reconnect on the next operation.
    reconnect = ("ConnectError", "AuthError", "ConnectionLostError", "ConnectionClosedError")
    while time.monotonic_ns() < deadline_ns:
        seq += 1
        for write in (True, False):
            sql = ("INSERT INTO bench_writes(run_id, client, thread, seq) VALUES (%d, '%s', %d, %d)"
                   % (args.run_id, args.label, thread, seq)) if write else "SELECT count(*) FROM bench_writes"
            start = log.call_started_ns = time.monotonic_ns()
            error = ""
            try:
                if conn is None:
                    conn = awrap.connect(args.conninfo, autocommit=True, **args.properties)
                cur = conn.cursor()
                cur.execute(sql)
                if not write:
                    cur.fetchone()
            except awrap.Error as e:
                error = type(e).__name__
                if getattr(e, "awrap_class", None) in reconnect or isinstance(e, awrap.InterfaceError):
                    if conn is not None:
                        conn.close()
                    conn = None
            end = time.monotonic_ns()
            with log.lock:
                log.ops.append([start, end, seq if write else 0, not error, write, error])
        time.sleep(args.interval_ms / 1000.0)
    log.finished = True


def main():
    args = parse()
    awrap = import_awrap()
    start_ns = time.monotonic_ns()
    deadline_ns = start_ns + args.duration_ms * 1000000
    logs = [ThreadLog() for _ in range(args.threads)]
    for t in range(args.threads):
        threading.Thread(target=workload, args=(awrap, args, t, logs[t], deadline_ns), daemon=True).start()
    time.sleep(max(0.0, (deadline_ns - time.monotonic_ns()) / 1e9) + 2.0)
    out = {"client": args.label, "driver": args.client, "run_id": args.run_id, "start_ns": start_ns,
           "deadline_ns": deadline_ns, "threads": []}
    for log in logs:
        with log.lock:
            out["threads"].append({"hung": not log.finished,
                                   "hung_since_ns": 0 if log.finished else log.call_started_ns,
                                   "ops": list(log.ops)})
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
    os._exit(0)  # hung threads cannot be joined


if __name__ == "__main__":
    main()
