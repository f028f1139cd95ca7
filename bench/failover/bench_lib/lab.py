"""The lab (lab/awlab) as the benchmark uses it."""

import fcntl
import json
import os
import subprocess
import sys

from .clients import ROOT

AWLAB = ["/usr/bin/python3", os.path.join(ROOT, "lab", "awlab")]

# The realtime - monotonic offset is measured the way the lab's write poller measures it, with
# its own function, so the benchmark and the lab's event log move timestamps identically.
sys.path.insert(0, os.path.join(ROOT, "lab"))
from awlab_lib.write_poller import realtime_offset_ns  # noqa: E402,F401
LAB_LOCK = "/tmp/awrap-lab.lock"


def lab(*args, check=True):
    proc = subprocess.run(AWLAB + list(args), capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise RuntimeError("awlab %s failed: %s" % (" ".join(args), proc.stderr[-2000:]))
    return proc.stdout


def events(name):
    with open(lab("events", "--name", name).strip()) as handle:
        return [json.loads(line) for line in handle if line.strip()]


def rows(name, node, sql):
    """Tab-separated rows of a query on one node."""
    return [line.split("\t") for line in lab("sql", "--name", name, "--node", node, sql).splitlines()
            if line.strip()]


class LabLock:
    """The machine-wide lab lock (BRIEF: one user of the lab at a time), held per fault so
    others wait minutes, not the whole campaign. Disabled with --no-lock by a caller that
    already holds it (flock on a second descriptor would wait for itself)."""

    def __init__(self, enabled, quiet=False):
        self.enabled = enabled
        self.quiet = quiet
        self.handle = None

    def __enter__(self):
        if self.enabled:
            self.handle = open(LAB_LOCK, "a")
            try:
                fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not self.quiet:
                    print("  waiting for %s (another user of the lab)" % LAB_LOCK, file=sys.stderr, flush=True)
                fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        if self.handle:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None
