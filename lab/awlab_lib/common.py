"""Shared plumbing of the lab: state files, locking, the event log, processes,
iptables rules and the /etc/hosts block. Standard library only."""

import datetime
import fcntl
import ipaddress
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import time

LAB_PASSWORD = "awrap-lab-password"
LAB_USER = "awrap"
LAB_DATABASE = "awrap"
DOMAIN = "awlab.test"
HOSTS_FILE = os.environ.get("AWLAB_HOSTS_FILE", "/etc/hosts")
HOSTS_LOCK = "/tmp/awlab-hosts.lock"
IPTABLES_LOCK = "/tmp/awlab-iptables.lock"


class LabError(Exception):
    """An expected failure; the CLI prints it and exits 1."""


def lab_root():
    # Memory-backed by default: creating and deleting a node's ~4000 files on disk takes seconds.
    default = "/dev/shm/awlab" if os.path.isdir("/dev/shm") else "/tmp/awlab"
    return os.environ.get("AWLAB_ROOT", default)


def cluster_dir(name):
    return os.path.join(lab_root(), name)


def validate_name(name):
    # The name becomes a DNS label, a directory and an iptables comment.
    if not re.fullmatch(r"[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?", name or ""):
        raise LabError("cluster name must be lowercase letters, digits and '-': %r" % name)


def node_ip(base, k):
    address = ipaddress.ip_address(base) + (k - 1)
    if address not in ipaddress.ip_network("127.0.0.0/8"):
        raise LabError("node address %s is outside 127.0.0.0/8" % address)
    return str(address)


def node_name(k):
    return "instance-%d" % k


def node_number(text):
    match = re.fullmatch(r"(?:instance-)?(\d+)", text or "")
    if not match:
        raise LabError("node must be instance-K, got %r" % text)
    return int(match.group(1))


def instance_host(name, k):
    return "%s.%s.%s" % (node_name(k), name, DOMAIN)


def cluster_endpoint(name):
    return "%s.cluster.%s" % (name, DOMAIN)


def reader_endpoint(name):
    return "%s.cluster-ro.%s" % (name, DOMAIN)


# ---------------------------------------------------------------- locking


class FileLock:
    """flock-based lock; serialises lab commands on one cluster (and the
    shared /etc/hosts and iptables edits across clusters)."""

    def __init__(self, path):
        self.path = path
        self.handle = None

    def __enter__(self):
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        self.handle = open(self.path, "a")
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def cluster_lock(name):
    # Outside the cluster dir so that `down` can delete the dir while holding it.
    return FileLock(os.path.join(lab_root(), ".locks", name + ".lock"))


# ---------------------------------------------------------------- state


def state_path(name):
    return os.path.join(cluster_dir(name), "state.json")


def load_state(name, required=True):
    try:
        with open(state_path(name)) as handle:
            return json.load(handle)
    except FileNotFoundError:
        if required:
            raise LabError("cluster %r does not exist (no %s)" % (name, state_path(name)))
        return None


def save_state(state):
    path = state_path(state["name"])
    temporary = path + ".tmp"
    with open(temporary, "w") as handle:
        json.dump(state, handle, indent=1, sort_keys=True)
    os.replace(temporary, path)


# ---------------------------------------------------------------- events


def events_path(name):
    return os.path.join(cluster_dir(name), "events.jsonl")


def now_wall():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def event(name, event_name, node=None, mono_ns=None, **fields):
    """Appends one JSON line. mono_ns is CLOCK_MONOTONIC (steady_clock in C++)."""
    record = {"wall": now_wall(), "mono_ns": mono_ns if mono_ns is not None else time.monotonic_ns(),
              "event": event_name, "cluster": name}
    if node is not None:
        record["node"] = node_name(node) if isinstance(node, int) else node
    record.update(fields)
    path = events_path(name)
    if not os.path.isdir(os.path.dirname(path)):
        return record
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.write(json.dumps(record, sort_keys=True) + "\n")
        fcntl.flock(handle, fcntl.LOCK_UN)
    return record


# ---------------------------------------------------------------- processes


def run(argv, check=True, timeout=120, env=None, input_text=None):
    """Runs a command; on failure raises LabError with its stderr (never its env)."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env,
                              input=input_text)
    except subprocess.TimeoutExpired:
        raise LabError("timed out after %ss: %s" % (timeout, " ".join(argv[:6])))
    if check and done.returncode != 0:
        raise LabError("command failed (%d): %s\n%s%s" % (done.returncode, " ".join(argv[:8]),
                                                       done.stdout[-2000:], done.stderr[-3000:]))
    return done


def pid_alive(pid):
    if not pid:
        return False
    try:
        with open("/proc/%d/stat" % pid) as handle:
            # A zombie is dead for our purposes.
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def pid_stopped(pid):
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] == "T"
    except (FileNotFoundError, IndexError):
        return False


def all_processes():
    """Yields (pid, ppid, cmdline) for every process."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        try:
            with open("/proc/%d/stat" % pid) as handle:
                stat = handle.read()
            with open("/proc/%d/cmdline" % pid, "rb") as handle:
                cmdline = handle.read().replace(b"\0", b" ").decode(errors="replace")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] == "Z":
            continue
        yield pid, int(fields[1]), cmdline


def process_tree(root_pids):
    """root_pids plus all their descendants."""
    table = list(all_processes())
    found = set(p for p in root_pids if p)
    changed = True
    while changed:
        changed = False
        for pid, ppid, _ in table:
            if ppid in found and pid not in found:
                found.add(pid)
                changed = True
    return sorted(found)


def processes_mentioning(text):
    return [pid for pid, _, cmdline in all_processes() if text in cmdline and pid != os.getpid()]


def signal_all(pids, sig):
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def wait_dead(pids, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(pid_alive(p) for p in pids):
            return True
        time.sleep(0.02)
    return not any(pid_alive(p) for p in pids)


def kill_tree(root_pids):
    pids = process_tree(root_pids)
    signal_all(pids, signal.SIGKILL)
    wait_dead(pids, 10)
    return pids


def remove_tree(path):
    if os.path.lexists(path):
        release_sysv_shared_memory(path)
        shutil.rmtree(path, ignore_errors=True)


def release_sysv_shared_memory(path):
    """Frees the System V shared memory segments of PostgreSQL data directories under `path`
    (a cluster's or a node's folder) that no process is attached to any more. A postmaster
    killed by a fault leaves its small segment behind; PostgreSQL frees it at the next start in
    the same directory, but a directory removed first would leak it, and after enough crashes
    (kernel.shmmni, 4096) no PostgreSQL could start on the machine."""
    import glob
    pid_files = glob.glob(os.path.join(path, "data", "postmaster.pid")) + glob.glob(
        os.path.join(path, "node-*", "data", "postmaster.pid"))
    attached = {}
    try:
        with open("/proc/sysvipc/shm") as table:
            header = table.readline().split()
            for line in table:
                fields = dict(zip(header, line.split()))
                attached[fields["shmid"]] = int(fields["nattch"])
    except (OSError, KeyError, ValueError):
        return
    for pid_file in pid_files:
        try:
            with open(pid_file) as handle:
                lines = handle.read().splitlines()
            shmid = lines[6].split()[1]  # line 7: "<key> <shmid>"
        except (OSError, IndexError):
            continue
        if attached.get(shmid) == 0:
            run(["ipcrm", "-m", shmid], check=False)


def chown_tree(path, user):
    run(["chown", "-R", "%s:%s" % (user, user), path])


# ---------------------------------------------------------------- iptables


def _comment(name):
    return "awlab:%s" % name


def blackhole_rules(name, ip):
    # Loopback traffic passes INPUT once per direction: packets *to* the node
    # (-d) and packets *from* the node (-s) are both dropped, a full partition.
    return [["INPUT", "-d", ip, "-m", "comment", "--comment", _comment(name), "-j", "DROP"],
            ["INPUT", "-s", ip, "-m", "comment", "--comment", _comment(name), "-j", "DROP"]]


def iptables_add(name, ip):
    with FileLock(IPTABLES_LOCK):
        for rule in blackhole_rules(name, ip):
            if run(["iptables", "-w", "-C"] + rule, check=False).returncode != 0:
                run(["iptables", "-w", "-I"] + rule)


def iptables_remove(name, ip):
    with FileLock(IPTABLES_LOCK):
        for rule in blackhole_rules(name, ip):
            while run(["iptables", "-w", "-C"] + rule, check=False).returncode == 0:
                run(["iptables", "-w", "-D"] + rule)


def iptables_rules_of(name):
    listing = run(["iptables", "-w", "-S"], check=False).stdout
    tag = '--comment %s ' % _comment(name)
    tag_quoted = '--comment "%s" ' % _comment(name)
    return [line for line in listing.splitlines()
            if line.startswith("-A ") and (tag in line + " " or tag_quoted in line + " ")]


def iptables_remove_all(name):
    with FileLock(IPTABLES_LOCK):
        for line in iptables_rules_of(name):
            run(["iptables", "-w", "-D"] + shlex.split(line[3:]), check=False)


def blackholed_ips(name):
    ips = set()
    for line in iptables_rules_of(name):
        match = re.search(r"-[ds] (\d+\.\d+\.\d+\.\d+)(/32)? ", line)
        if match:
            ips.add(match.group(1))
    return ips


# ---------------------------------------------------------------- /etc/hosts


def _block_markers(name):
    return "# BEGIN awlab:%s" % name, "# END awlab:%s" % name


def hosts_set_block(name, lines):
    """Replaces (or with lines=None removes) the cluster's marked block.
    Written in place: /etc/hosts may be a bind mount that rename cannot replace."""
    begin, end = _block_markers(name)
    with FileLock(HOSTS_LOCK):
        with open(HOSTS_FILE) as handle:
            old = handle.read().splitlines()
        kept, inside = [], False
        for line in old:
            if line == begin:
                inside = True
                continue
            if line == end and inside:
                inside = False
                continue
            if not inside:
                kept.append(line)
        if lines:
            kept += [begin] + lines + [end]
        text = "\n".join(kept) + "\n"
        with open(HOSTS_FILE, "r+") as handle:
            handle.seek(0)
            handle.write(text)
            handle.truncate()


def hosts_has_block(name):
    begin, _ = _block_markers(name)
    try:
        with open(HOSTS_FILE) as handle:
            return begin in handle.read().splitlines()
    except FileNotFoundError:
        return False
