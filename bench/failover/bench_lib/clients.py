"""The clients the benchmark runs side by side, each writing its own (client, thread, seq) range
into bench_writes. Every client program speaks the contract of failover_workload.cpp: the same
workload, and one JSON object (every operation with CLOCK_MONOTONIC times) as the last line on
stdout."""

import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
NODE_PEER = os.path.join(ROOT, "bench", "peers", "node")
PYTHON_CLIENT = os.path.join(ROOT, "bench", "failover", "python_client.py")
CREDS = "port=5432 user=awrap password=awrap-lab-password dbname=awrap"
MYSQL_URL = "mysql://awrap:awrap-lab-password@%s:3306/awrap"

# Failure detection for both wrappers, on every fault: a hang or black hole is only noticed by
# host monitoring, and the same aggressive settings (docs/failover.md) go to awrap's
# host_monitoring and to the Node.js wrapper's EFM plugin, so neither is favoured.
DETECTION_MS = {"time": 1000, "interval": 500, "count": 1}
FAILOVER_TIMEOUT_S = 30


def _workload(build):
    return os.path.join(build, "bench", "failover_workload")


def _common(args, run_id, label):
    return ["--threads", str(args.threads), "--duration-ms", str(args.duration_ms),
            "--run-id", str(run_id), "--label", label]


def awrap(args, status, run_id):
    mariadb = status["engine"] == "mariadb"
    conninfo = (MYSQL_URL % status["cluster_endpoint"] if mariadb
                else "host=%s %s" % (status["cluster_endpoint"], CREDS))
    sets = ["cluster_instance_host_pattern=" + status["host_pattern"], "cluster_endpoint_role=writer",
            "failover_timeout_sec=%d" % FAILOVER_TIMEOUT_S, "connect_timeout=2",
            "failure_detection_time_ms=%d" % DETECTION_MS["time"],
            "failure_detection_interval_ms=%d" % DETECTION_MS["interval"],
            "failure_detection_count=%d" % DETECTION_MS["count"]]
    cmd = [_workload(args.build), "--client", "awrap", "--conninfo", conninfo]
    for s in sets:
        cmd += ["--set", s]
    return cmd + _common(args, run_id, "awrap")


def awrap_python(args, status, run_id):
    """awrap's Python package (bench/failover/python_client.py), with awrap's settings; its
    --client names it (it has no --label)."""
    cmd = awrap(args, status, run_id)
    label_at = cmd.index("--label")
    del cmd[label_at:label_at + 2]
    cmd[0:3] = ["/usr/bin/python3", PYTHON_CLIENT, "--client", "awrap-python"]
    return cmd


def label_of(cmd):
    """The name a client writes its rows under."""
    flag = "--label" if "--label" in cmd else "--client"
    return cmd[cmd.index(flag) + 1]


def baseline(args, status, run_id):
    """libpq with every instance, target_session_attrs=read-write and a retry loop; on MariaDB
    Connector/C reconnecting to the first host with @@read_only = 0."""
    if status["engine"] == "mariadb":
        hosts = ",".join(n["host"] for n in status["nodes"])
        return [_workload(args.build), "--client", "baseline_mysql", "--conninfo", hosts] + _common(
            args, run_id, "connector-c")
    hosts = ",".join(n["host"] for n in status["nodes"])
    conninfo = "host=%s %s target_session_attrs=read-write connect_timeout=2" % (hosts, CREDS)
    return [_workload(args.build), "--client", "baseline", "--conninfo", conninfo] + _common(
        args, run_id, "libpq")


def dns_only(args, status, run_id):
    """What an application without a smart driver does: the cluster endpoint only, and retry.
    It reaches the new writer only once the endpoint's DNS record has moved."""
    endpoint = status["cluster_endpoint"]
    if status["engine"] == "mariadb":
        return [_workload(args.build), "--client", "baseline_mysql", "--conninfo", endpoint] + _common(
            args, run_id, "dns-only")
    conninfo = "host=%s %s target_session_attrs=read-write connect_timeout=2" % (endpoint, CREDS)
    return [_workload(args.build), "--client", "baseline", "--conninfo", conninfo] + _common(
        args, run_id, "dns-only")


def aws_nodejs(args, status, run_id):
    """The AWS Advanced Node.js Wrapper with its default plugins (auroraConnectionTracker,
    failover, efm2), set up for the lab: cluster endpoint, instance host pattern, cluster id,
    the same failover timeout and failure detection settings as awrap; the dialect from
    --nodejs-dialect, or none (it detects one)."""
    engine = "mysql" if status["engine"] == "mariadb" else "pg"
    sets = ["clusterInstanceHostPattern=" + status["host_pattern"], "clusterId=" + status["name"],
            "failoverTimeoutMs=%d" % (FAILOVER_TIMEOUT_S * 1000),
            "failureDetectionTime=%d" % DETECTION_MS["time"],
            "failureDetectionInterval=%d" % DETECTION_MS["interval"],
            "failureDetectionCount=%d" % DETECTION_MS["count"], "wrapperConnectTimeout=2000"]
    if args.nodejs_dialect != "auto":
        sets.append("dialect=" + args.nodejs_dialect)
    cmd = ["node", os.path.join(NODE_PEER, "failover_client.mjs"), "--engine", engine,
           "--host", status["cluster_endpoint"]]
    for s in sets:
        cmd += ["--set", s]
    return cmd + ["--interval-ms", "10"] + _common(args, run_id, "aws-nodejs")


def _node_ready():
    done = subprocess.run(["bash", os.path.join(NODE_PEER, "setup.sh")], capture_output=True, text=True)
    return done.returncode == 0, done.stderr.strip()


def _python_ready():
    if not os.path.exists(PYTHON_CLIENT):
        return False, "%s does not exist (yet)" % os.path.relpath(PYTHON_CLIENT, ROOT)
    # python_client.py finds the package installed, in $AWRAP_PYTHON_PATH or in build/*/python.
    places = [os.environ.get("AWRAP_PYTHON_PATH", "")] + [
        os.path.join(ROOT, "build", b, "python") for b in ("release", "dev")]
    if any(p and os.path.isdir(os.path.join(p, "awrap")) for p in places) or subprocess.run(
            ["/usr/bin/python3", "-c", "import awrap"], capture_output=True).returncode == 0:
        return True, ""
    return False, "awrap's Python package is not built (docs/python.md)"


def _always_ready():
    return True, ""


# name -> (command builder, readiness check, engines)
CLIENTS = {
    "awrap": (awrap, _always_ready, ("pg", "mariadb")),
    "aws-nodejs": (aws_nodejs, _node_ready, ("pg", "mariadb")),
    "baseline": (baseline, _always_ready, ("pg", "mariadb")),
    "dns-only": (dns_only, _always_ready, ("pg", "mariadb")),
    "awrap-python": (awrap_python, _python_ready, ("pg", "mariadb")),
}
DEFAULT_CLIENTS = "awrap,aws-nodejs,baseline,dns-only"
