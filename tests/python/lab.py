"""Lab clusters from Python tests: a thin wrapper over lab/awlab (docs/lab.md).

Python tests own these names and addresses: pytest-pg (aurora flavour, 127.0.0.151-153) and
pytest-maria (multi-az flavour, 127.0.0.161-163).
"""
import json
import os
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AWLAB = os.environ.get("AWLAB", os.path.join(ROOT, "lab", "awlab"))
PASSWORD = "awrap-lab-password"


class LabError(RuntimeError):
    pass


def eventually(check, timeout=10.0, poll=0.05):
    """True as soon as check() is true (an exception counts as "not yet"); False at the timeout.
    Tests wait on what they can observe, not for a fixed time."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return True
        except Exception:  # noqa: BLE001 - "not yet", like tests/support/eventually.hpp
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(poll)


def statement_running_sql(engine, session, fragment):
    """1 while session `session` (pg_backend_pid() / CONNECTION_ID()) runs a statement containing
    `fragment`, else 0 (as tests/support/server_activity.hpp)."""
    if engine == "pg":
        return ("SELECT count(*) FROM pg_stat_activity WHERE pid = %d AND state = 'active' "
                "AND query ILIKE '%%%s%%'" % (session, fragment))
    return ("SELECT COUNT(*) FROM information_schema.processlist WHERE id = %d "
            "AND command IN ('Query', 'Execute') AND info LIKE '%%%s%%'" % (session, fragment))


def awlab(*args, timeout=180):
    env = dict(os.environ)
    env.setdefault("AWLAB_ROOT", "/dev/shm/awlab")
    proc = subprocess.run(["/usr/bin/python3", AWLAB, *args], capture_output=True, text=True,
                          env=env, timeout=timeout)
    if proc.returncode != 0:
        raise LabError("awlab %s failed (%d): %s" % (" ".join(args), proc.returncode, proc.stderr[-3000:]))
    return proc.stdout


class LabCluster:
    def __init__(self, name, engine, flavour, base, sync=False):
        self.name, self.engine = name, engine
        args = ["up", "--name", name, "--engine", engine, "--flavour", flavour, "--nodes", "3",
                "--base", base]
        if sync:
            args.append("--sync")
        self._up_args = args
        self.status = json.loads(awlab(*args))

    def refresh(self):
        self.status = json.loads(awlab("status", "--name", self.name))
        return self.status

    def restore(self):
        """Brings every node back (up is idempotent: down nodes rejoin as standbys)."""
        self.status = json.loads(awlab(*self._up_args))

    @property
    def writer(self):
        return self.refresh()["writer"]

    def node(self, name):
        return next(n for n in self.status["nodes"] if n["name"] == name)

    def fault(self, node, kind, failover_after_ms=None):
        args = ["fault", "--name", self.name, "--node", node, "--kind", kind]
        if failover_after_ms is not None:
            args += ["--failover-after-ms", str(failover_after_ms)]
        awlab(*args)

    def heal(self, node):
        awlab("heal", "--name", self.name, "--node", node)

    def failover(self):
        self.status = json.loads(awlab("failover", "--name", self.name))
        return self.status

    def crash_writer_and_fail_over(self):
        self.fault(self.writer, "crash")
        return self.failover()

    def sql(self, node, statement):
        return awlab("sql", "--name", self.name, "--node", node, statement)

    def down(self):
        awlab("down", "--name", self.name)

    def connect_kwargs(self):
        """Keyword arguments for awrap.connect() through the cluster endpoint."""
        kwargs = dict(host=self.status["cluster_endpoint"], user="awrap", password=PASSWORD,
                      dbname="awrap", cluster_instance_host_pattern=self.status["host_pattern"],
                      cluster_endpoint_role="writer", failover_timeout_sec=30, connect_timeout=2,
                      cluster_topology_high_refresh_rate_ms=50, topology_refresh_ms=1000,
                      monitor_disposal_time_ms=500)
        if self.engine == "mariadb":
            kwargs["engine"] = "mysql"
        return kwargs
