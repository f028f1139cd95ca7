"""Network faults of one node besides the black hole: latency, packet loss and stall.

All three are netfilter rules on the node's address in the INPUT chain (loopback traffic passes
INPUT once per direction), tagged with the cluster's comment `awlab:NAME` like the black-hole
rules, so `down` and `down --all` remove them with everything else:

- latency: packets *to* the node go to an NFQUEUE that lab/awlab_lib/delayer.py holds for
  delay +- jitter ms, so every round trip to the node takes that much longer. (`tc netem` is not
  built into every kernel the lab runs on; NFQUEUE is standard netfilter.)
- loss: `-m statistic --mode random --probability P -j DROP`, once for packets to the node and
  once for packets from it: each packet is lost with probability P in either direction.
- stall: packets to or from the node that carry TCP payload are dropped (u32 match: at least 4
  bytes after the TCP header); SYN, ACK and FIN carry none, so connects complete, open
  connections stay open and TCP keepalives are answered, but no message is ever delivered.
"""

import os
import shlex
import signal
import subprocess
import sys
import time

from . import common
from .common import LabError

# Reads the 4 bytes after the TCP header; the match fails (packet passes) when there are none.
TCP_PAYLOAD_U32 = "0>>22&0x3C@12>>26&0x3C@0&0=0"
QUEUE_FIRST = 4100  # queue numbers the lab hands out; other users of NFQUEUE start at 0


def _tag(name):
    return ["-m", "comment", "--comment", "awlab:%s" % name]


def loss_rules(name, ip, percent):
    probability = "%.4f" % (percent / 100.0)
    return [["INPUT", direction, ip, "-m", "statistic", "--mode", "random", "--probability",
             probability] + _tag(name) + ["-j", "DROP"] for direction in ("-d", "-s")]


def stall_rules(name, ip):
    return [["INPUT", direction, ip, "-p", "tcp", "-m", "u32", "--u32", TCP_PAYLOAD_U32]
            + _tag(name) + ["-j", "DROP"] for direction in ("-d", "-s")]


def latency_rules(name, ip, queue):
    return [["INPUT", "-d", ip] + _tag(name)
            + ["-j", "NFQUEUE", "--queue-num", str(queue), "--queue-bypass"]]


def _insert(rules):
    with common.FileLock(common.IPTABLES_LOCK):
        for rule in rules:
            if common.run(["iptables", "-w", "-C"] + rule, check=False).returncode != 0:
                common.run(["iptables", "-w", "-I"] + rule)


def _queues_in_use():
    listing = common.run(["iptables", "-w", "-S"], check=False).stdout
    used = set()
    for line in listing.splitlines():
        words = line.split()
        if "--queue-num" in words:
            used.add(int(words[words.index("--queue-num") + 1]))
    return used


def remove_node_rules(name, ip):
    """Deletes every rule of the cluster that names the node's address (any fault kind)."""
    with common.FileLock(common.IPTABLES_LOCK):
        for line in common.iptables_rules_of(name):
            words = line.split()
            if ip in words or ip + "/32" in words:
                common.run(["iptables", "-w", "-D"] + shlex.split(line[3:]), check=False)


def add_loss(name, ip, percent):
    if not 0 < percent <= 100:
        raise LabError("--percent must be in (0, 100], got %s" % percent)
    _insert(loss_rules(name, ip, percent))


def add_stall(name, ip):
    _insert(stall_rules(name, ip))


def start_latency(state, k, delay_ms, jitter_ms, seed):
    """Starts the delayer for node k, then routes the node's packets through it.
    Returns the record kept in the node's flags (queue, pid)."""
    if delay_ms <= 0:
        raise LabError("--delay-ms must be > 0, got %s" % delay_ms)
    if jitter_ms < 0 or jitter_ms > delay_ms:
        raise LabError("--jitter-ms must be between 0 and --delay-ms (%s), got %s" %
                       (delay_ms, jitter_ms))
    name = state["name"]
    directory = common.cluster_dir(name)
    ready = os.path.join(directory, "delayer-%d.ready" % k)
    if os.path.exists(ready):
        os.unlink(ready)
    with common.FileLock(common.IPTABLES_LOCK):
        used = _queues_in_use()
        queue = next(q for q in range(QUEUE_FIRST, QUEUE_FIRST + 10000) if q not in used)
        script = os.path.join(os.path.dirname(os.path.realpath(__file__)), "delayer.py")
        log_path = os.path.join(directory, "delayer-%d.log" % k)
        with open(log_path, "ab") as log, open(os.devnull, "rb") as null_in:
            # The command line names the cluster dir, so `down` finds and kills it.
            process = subprocess.Popen(
                [sys.executable or "/usr/bin/python3", script, "--queue", str(queue),
                 "--delay-ms", str(delay_ms), "--jitter-ms", str(jitter_ms), "--seed", str(seed),
                 "--ready-file", ready, "--tag", directory + "/"],
                stdin=null_in, stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + 10
        while not os.path.exists(ready):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                with open(log_path, errors="replace") as handle:
                    raise LabError("the packet delayer did not start: %s" % handle.read()[-1000:])
            time.sleep(0.01)
        ip = common.node_ip(state["base"], k)
        for rule in latency_rules(name, ip, queue):
            common.run(["iptables", "-w", "-I"] + rule)
    return {"queue": queue, "pid": process.pid, "delay_ms": delay_ms, "jitter_ms": jitter_ms}


def stop_latency(record):
    """Stops a delayer whose rule is already gone; it releases what it holds first."""
    pid = record.get("pid")
    if pid and common.pid_alive(pid):
        common.signal_all([pid], signal.SIGTERM)
        if not common.wait_dead([pid], 5):
            common.signal_all([pid], signal.SIGKILL)
            common.wait_dead([pid], 5)


def heal_node(state, k, flags):
    """Removes the node's network faults (rules first, then the delayer). True if any."""
    name = state["name"]
    ip = common.node_ip(state["base"], k)
    had = bool(flags.get("latency") or flags.get("loss") or flags.get("stalled") or
               flags.get("blackholed") or ip in common.blackholed_ips(name))
    remove_node_rules(name, ip)
    if flags.get("latency"):
        stop_latency(flags["latency"])
    flags.update(latency=None, loss=None, stalled=False, blackholed=False)
    return had
