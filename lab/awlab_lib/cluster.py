"""Engine-neutral orchestration: up/down/status, faults, failover, switchover,
rejoin. Each engine module (pg, maria) provides the same functions:
create, start, stop_clean, main_pid, server_pids, promote, follow, rejoin,
replay_position, write_probe, publish_topology, sql, log_tail."""

import json
import os
import signal
import sys
import time

from . import common, netfaults
from .common import LabError, event
from .write_poller import WritePoller


def engine_module(state):
    if state["engine"] == "pg":
        from . import pg
        return pg
    from . import maria
    return maria


# What each time of the writer_accepting_writes event measures, written into the event itself.
WRITE_PROBE_CLOCKS = {
    engine: {"mono_ns": "CLOCK_MONOTONIC: the lab's persistent session received the commit of its "
                        "first accepted INSERT (polled every 2 ms from before the promotion)",
             "probe_sent_mono_ns": "CLOCK_MONOTONIC: that INSERT was sent",
             "server_commit_epoch": commit,
             "server_commit_mono_ns": "server_commit_epoch moved onto CLOCK_MONOTONIC with this "
                                      "machine's CLOCK_REALTIME - CLOCK_MONOTONIC offset",
             "since_promoting_ms": "mono_ns minus the promoting event's mono_ns (promotion asked)"}
    for engine, commit in (
        ("pg", "server CLOCK_REALTIME, seconds since the epoch: pg_xact_commit_timestamp of "
               "that INSERT"),
        ("mariadb", "server CLOCK_REALTIME, seconds since the epoch: start of that INSERT "
                    "statement (CURRENT_TIMESTAMP(6); MariaDB records no commit time)"))}


def default_port(engine):
    return 5432 if engine == "pg" else 3306


# ---------------------------------------------------------------- node state


def _flags(state, k):
    flags = state.setdefault("flags", {}).setdefault(str(k), {})
    for key, default in (("stopped", False), ("hung", False), ("blackholed", False),
                         ("stalled", False), ("latency", None), ("loss", None)):
        flags.setdefault(key, default)
    return flags


def node_state(state, k, engine=None):
    engine = engine or engine_module(state)
    pid = engine.main_pid(state, k)
    flags = _flags(state, k)
    if not pid:
        return "stopped" if flags["stopped"] else "crashed", None
    if flags["hung"] or common.pid_stopped(pid):
        return "hung", pid
    if flags["blackholed"]:
        return "blackholed", pid
    if flags["stalled"]:
        return "stalled", pid
    return "running", pid


def network_faults(flags):
    """The node's latency / loss, for the status JSON (the state stays "running")."""
    faults = {}
    if flags.get("latency"):
        faults["latency"] = {"delay_ms": flags["latency"]["delay_ms"],
                             "jitter_ms": flags["latency"]["jitter_ms"]}
    if flags.get("loss"):
        faults["loss_percent"] = flags["loss"]
    return faults


def node_numbers(state):
    return list(range(1, state["nodes"] + 1))


def status(state):
    engine = engine_module(state)
    name = state["name"]
    nodes = []
    for k in node_numbers(state):
        current, pid = node_state(state, k, engine)
        nodes.append({"name": common.node_name(k), "host": common.node_ip(state["base"], k),
                      "port": default_port(state["engine"]),
                      "hostname": common.instance_host(name, k),
                      "role": "writer" if k == state["writer"] else "reader",
                      "state": current, "pid": pid,
                      "network": network_faults(_flags(state, k))})
    return {"name": name, "engine": state["engine"], "flavour": state["flavour"],
            "writer": common.node_name(state["writer"]),
            "host_pattern": "?.%s.%s" % (name, common.DOMAIN),
            "cluster_endpoint": common.cluster_endpoint(name),
            "reader_endpoint": common.reader_endpoint(name),
            "sync": bool(state.get("sync")), "nodes": nodes,
            "state_dir": common.cluster_dir(name),
            "events": common.events_path(name)}


def print_status(state):
    print(json.dumps(status(state)))


# ---------------------------------------------------------------- hosts


def publish_hosts(state):
    name, base = state["name"], state["base"]
    engine = engine_module(state)
    lines = ["%s %s" % (common.node_ip(base, k), common.instance_host(name, k))
             for k in node_numbers(state)]
    writer = state["writer"]
    readers = [k for k in node_numbers(state) if k != writer]
    alive = [k for k in readers if engine.main_pid(state, k)]
    reader = (alive or readers or [writer])[0]
    lines.append("%s %s" % (common.node_ip(base, writer), common.cluster_endpoint(name)))
    lines.append("%s %s" % (common.node_ip(base, reader), common.reader_endpoint(name)))
    common.hosts_set_block(name, lines)
    return reader


# ---------------------------------------------------------------- up / down


def up(args):
    name = args.name
    common.validate_name(name)
    engine_name = args.engine
    if engine_name not in ("pg", "mariadb"):
        raise LabError("engine must be pg or mariadb")
    flavour = args.flavour or "plain"
    if flavour not in ("plain", "aurora", "multi-az"):
        raise LabError("flavour must be plain, aurora or multi-az")
    for setting in args.setting:
        if "=" not in setting:
            raise LabError("--setting must be NAME=VALUE, got %r" % setting)
    nodes = args.nodes or 3
    base = args.base or "127.0.0.11"
    common.node_ip(base, nodes)  # validates the whole range
    with common.cluster_lock(name):
        state = common.load_state(name, required=False)
        if state and state.get("complete") and (state["engine"], state["flavour"], state["nodes"],
                                                 state["base"], bool(state.get("sync")),
                                                 state.get("hba_lines", []),
                                                 state.get("settings", [])) == (
                engine_name, flavour, nodes, base, bool(args.sync), args.hba_line, args.setting):
            # Idempotent: bring back whatever is down, then report.
            for k in node_numbers(state):
                if node_state(state, k)[0] != "running" or network_faults(_flags(state, k)):
                    _heal(state, k)
            common.save_state(state)
            publish_hosts(state)
            print_status(state)
            return
        _down(name)
        state = {"name": name, "engine": engine_name, "flavour": flavour, "nodes": nodes,
                 "base": base, "sync": bool(args.sync), "writer": 1,
                 "dns_lag_ms": args.dns_lag_ms or 0, "complete": False,
                 "hba_lines": args.hba_line, "settings": args.setting}
        os.makedirs(common.cluster_dir(name), mode=0o755)
        os.chmod(common.cluster_dir(name), 0o755)
        common.save_state(state)
        started = time.monotonic_ns()
        event(name, "up_started", engine=engine_name, flavour=flavour, nodes=nodes, base=base,
              sync=bool(args.sync))
        engine = engine_module(state)
        try:
            engine.create(state)
        except BaseException as error:
            logs = "".join("\n--- %s log tail ---\n%s" % (common.node_name(k), engine.log_tail(state, k))
                           for k in node_numbers(state))
            if not args.keep_on_failure:
                _down(name)
            if isinstance(error, LabError):
                raise LabError("%s%s" % (error, logs))
            raise
        state["complete"] = True
        for k in node_numbers(state):
            _flags(state, k)
        common.save_state(state)
        publish_hosts(state)
        event(name, "cluster_up", duration_ms=(time.monotonic_ns() - started) // 1_000_000)
        print_status(state)


def _down(name):
    """Removes everything of a cluster, whatever state it is in."""
    directory = common.cluster_dir(name)
    roots = common.processes_mentioning(directory + "/")
    if roots:
        common.kill_tree(roots)
    common.iptables_remove_all(name)
    common.hosts_set_block(name, None)
    common.remove_tree(directory)


def down(args):
    if args.all:
        names = set()
        root = common.lab_root()
        if os.path.isdir(root):
            names |= set(entry for entry in os.listdir(root) if not entry.startswith("."))
        names |= _names_in_hosts_file()
        names |= _names_in_iptables()
        for name in sorted(names):
            with common.cluster_lock(name):
                _down(name)
        return
    if not args.name:
        raise LabError("down needs --name NAME or --all")
    common.validate_name(args.name)
    with common.cluster_lock(args.name):
        _down(args.name)


def _names_in_hosts_file():
    names = set()
    try:
        with open(common.HOSTS_FILE) as handle:
            for line in handle:
                if line.startswith("# BEGIN awlab:"):
                    names.add(line.strip()[len("# BEGIN awlab:"):])
    except FileNotFoundError:
        pass
    return names


def _names_in_iptables():
    import re
    listing = common.run(["iptables", "-w", "-S"], check=False).stdout
    return set(re.findall(r'--comment "?awlab:([a-z0-9-]+)"?', listing))


# ---------------------------------------------------------------- faults


def fault(args):
    kind = args.kind
    with common.cluster_lock(args.name):
        state = common.load_state(args.name)
        k = _node_arg(state, args.node)
        engine = engine_module(state)
        flags = _flags(state, k)
        ip = common.node_ip(state["base"], k)
        pid = engine.main_pid(state, k)
        if kind in ("crash", "stop", "hang", "stall") and not pid:
            raise LabError("%s is not running" % common.node_name(k))
        if kind == "crash":
            pids = engine.server_pids(state, k)
            event(args.name, "fault_injected", k, kind=kind, pids=pids)
            common.signal_all(pids, signal.SIGKILL)
            common.wait_dead(pids, 10)
            flags.update(stopped=False, hung=False)
            event(args.name, "node_down", k, reason="crash")
        elif kind == "stop":
            if flags["hung"]:
                common.signal_all(engine.server_pids(state, k), signal.SIGCONT)
            event(args.name, "fault_injected", k, kind=kind)
            engine.stop_clean(state, k)
            flags.update(stopped=True, hung=False)
            event(args.name, "node_down", k, reason="clean stop")
        elif kind == "hang":
            pids = engine.server_pids(state, k)
            event(args.name, "fault_injected", k, kind=kind, pids=pids)
            common.signal_all(pids, signal.SIGSTOP)
            flags["hung"] = True
            event(args.name, "node_hung", k)
        elif kind == "blackhole":
            event(args.name, "fault_injected", k, kind=kind, address=ip)
            common.iptables_add(args.name, ip)
            flags["blackholed"] = True
            event(args.name, "node_blackholed", k, address=ip)
        elif kind == "stall":
            event(args.name, "fault_injected", k, kind=kind, address=ip)
            netfaults.add_stall(args.name, ip)
            flags["stalled"] = True
            event(args.name, "node_stalled", k, address=ip)
        elif kind == "loss":
            if args.percent is None:
                raise LabError("fault --kind loss needs --percent P (0 < P <= 100)")
            netfaults.add_loss(args.name, ip, args.percent)
            flags["loss"] = args.percent
            event(args.name, "fault_injected", k, kind=kind, address=ip, percent=args.percent)
        elif kind == "latency":
            if args.delay_ms is None:
                raise LabError("fault --kind latency needs --delay-ms D (and optionally --jitter-ms)")
            if flags["latency"]:
                raise LabError("%s already has latency; heal it first" % common.node_name(k))
            flags["latency"] = netfaults.start_latency(state, k, args.delay_ms, args.jitter_ms or 0,
                                                       args.seed)
            event(args.name, "fault_injected", k, kind=kind, address=ip, delay_ms=args.delay_ms,
                  jitter_ms=args.jitter_ms or 0, queue=flags["latency"]["queue"])
        else:
            raise LabError("fault kind must be crash, stop, hang, blackhole, stall, latency or loss")
        common.save_state(state)
        if args.failover_after_ms is not None and k == state["writer"]:
            _schedule_failover(args.name, args.failover_after_ms)
        print_status(state)


def _schedule_failover(name, delay_ms):
    """Like Aurora's automatic failover: a detached `awlab failover` after a delay.
    Its command line names the cluster dir, so `down` finds and kills it."""
    import subprocess
    log_path = os.path.join(common.cluster_dir(name), "auto-failover.log")
    script = os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), "awlab")
    with open(log_path, "ab") as log, open(os.devnull, "rb") as null_in:
        subprocess.Popen(["/usr/bin/python3", script, "failover", "--name", name,
                          "--delay-ms", str(delay_ms), "--log", log_path],
                         stdin=null_in, stdout=log, stderr=log, start_new_session=True)
    event(name, "failover_scheduled", delay_ms=delay_ms)


def _node_arg(state, text):
    k = common.node_number(text)
    if not 1 <= k <= state["nodes"]:
        raise LabError("no node %s in cluster %s" % (text, state["name"]))
    return k


def _heal(state, k):
    """Undoes every fault of node k; a down node comes back in its current role."""
    engine = engine_module(state)
    name = state["name"]
    flags = _flags(state, k)
    pid = engine.main_pid(state, k)
    if pid and (flags["hung"] or common.pid_stopped(pid)):
        common.signal_all(engine.server_pids(state, k), signal.SIGCONT)
        flags["hung"] = False
        event(name, "node_resumed", k)
    if netfaults.heal_node(state, k, flags):
        event(name, "node_reachable", k)
    if not engine.main_pid(state, k):
        if k == state["writer"]:
            engine.start(state, k, writer=True)
            event(name, "node_up", k, role="writer")
        else:
            method = engine.recover_reader(state, k, state["writer"])
            event(name, "node_up", k, role="reader", method=method)
        flags["stopped"] = False
    elif k != state["writer"]:
        engine.follow(state, k, state["writer"])


def heal(args):
    with common.cluster_lock(args.name):
        state = common.load_state(args.name)
        k = _node_arg(state, args.node)
        event(args.name, "heal", k)
        try:
            _heal(state, k)
        finally:
            common.save_state(state)
        publish_hosts(state)
        print_status(state)


# ---------------------------------------------------------------- failover


def _choose_target(state, engine, explicit):
    if explicit:
        k = _node_arg(state, explicit)
        if k == state["writer"]:
            raise LabError("%s is already the writer" % common.node_name(k))
        if node_state(state, k, engine)[0] != "running":
            raise LabError("target %s is not running" % common.node_name(k))
        return k
    import concurrent.futures
    candidates = [k for k in node_numbers(state)
                  if k != state["writer"] and node_state(state, k, engine)[0] == "running"]
    best, best_position = None, None
    if candidates:
        # Asked in parallel: failover time is what the benchmarks measure.
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(candidates)) as pool:
            positions = list(pool.map(lambda k: engine.replay_position(state, k), candidates))
        for k, position in zip(candidates, positions):
            if position is not None and (best is None or position > best_position):
                best, best_position = k, position
    if best is None:
        raise LabError("no running standby to promote")
    return best


def _start_write_poller(state, target):
    """A persistent session on the promotion target, opened while the old writer is fenced or
    stopped, so the first write the new writer accepts is seen within a few milliseconds (see
    write_poller.py for the clocks)."""
    return WritePoller(state["engine"], common.node_ip(state["base"], target),
                       common.node_name(target)).start()


def _promote_and_publish(state, engine, target, old_writer, dns_lag_ms, poller):
    """Promotion, repointing, write probe, topology, then DNS; events for each."""
    name = state["name"]
    poller.wait_connected(3)
    promoting_ns = time.monotonic_ns()
    event(name, "promoting", target, mono_ns=promoting_ns, old_writer=common.node_name(old_writer))
    engine.promote(state, target)
    promoted_ns = time.monotonic_ns()
    event(name, "promoted", target, mono_ns=promoted_ns, old_writer=common.node_name(old_writer))
    state["writer"] = target
    common.save_state(state)
    for k in node_numbers(state):
        if k in (target, old_writer):
            continue
        try:
            engine.follow(state, k, target)
            event(name, "repointed", k, writer=common.node_name(target))
        except LabError as error:
            event(name, "repoint_failed", k, detail=str(error)[-300:])
    accepted = poller.result()
    if accepted is None:
        raise LabError("new writer %s did not accept a write within 60 s: %s" %
                       (common.node_name(target), poller.error))
    accepted_ns = accepted["accepted_mono_ns"]
    event(name, "writer_accepting_writes", target, mono_ns=accepted_ns,
          since_promoting_ms=(accepted_ns - promoting_ns) / 1e6,
          probe_sent_mono_ns=accepted["sent_mono_ns"],
          server_commit_epoch=accepted["server_commit_epoch"],
          server_commit_mono_ns=accepted["server_commit_mono_ns"],
          probe_attempts=accepted["attempts"], probe_reconnects=accepted["reconnects"],
          clocks=WRITE_PROBE_CLOCKS[state["engine"]])
    engine.publish_topology(state)
    event(name, "topology_updated", target, writer=common.node_name(target))
    lag_ns = int(dns_lag_ms) * 1_000_000
    remaining = promoted_ns + lag_ns - time.monotonic_ns()
    if remaining > 0:
        time.sleep(remaining / 1e9)
    reader = publish_hosts(state)
    event(name, "dns_updated", target, cluster_endpoint=common.cluster_endpoint(name),
          reader=common.node_name(reader), dns_lag_ms=dns_lag_ms)
    return accepted_ns


def failover(args):
    if getattr(args, "delay_ms", None):
        time.sleep(args.delay_ms / 1000.0)
    with common.cluster_lock(args.name):
        state = common.load_state(args.name)
        engine = engine_module(state)
        old = state["writer"]
        started_ns = time.monotonic_ns()
        event(args.name, "failover_started", old)
        target = _choose_target(state, engine, args.target)
        poller = _start_write_poller(state, target)
        # Fence the old writer so it can never take writes again (split brain);
        # it comes back as a standby with `rejoin` or `heal`.
        pids = engine.server_pids(state, old)
        if pids and not args.no_fence:
            common.signal_all(pids, signal.SIGKILL)
            common.wait_dead(pids, 10)
            _flags(state, old).update(hung=False, stopped=False)
            event(args.name, "fenced", old, pids=pids)
        lag = args.dns_lag_ms if args.dns_lag_ms is not None else state.get("dns_lag_ms", 0)
        accepted_ns = _promote_and_publish(state, engine, target, old, lag, poller)
        event(args.name, "failover_done", target, old_writer=common.node_name(old),
              duration_ms=(time.monotonic_ns() - started_ns) / 1e6,
              to_writes_ms=(accepted_ns - started_ns) / 1e6)
        common.save_state(state)
        print_status(state)


def switchover(args):
    with common.cluster_lock(args.name):
        state = common.load_state(args.name)
        engine = engine_module(state)
        old = state["writer"]
        started_ns = time.monotonic_ns()
        event(args.name, "switchover_started", old)
        target = _choose_target(state, engine, args.target)
        poller = _start_write_poller(state, target)
        engine.stop_clean(state, old)
        event(args.name, "node_down", old, reason="switchover")
        lag = args.dns_lag_ms if args.dns_lag_ms is not None else state.get("dns_lag_ms", 0)
        accepted_ns = _promote_and_publish(state, engine, target, old, lag, poller)
        method = engine.rejoin(state, old, target)
        _flags(state, old).update(stopped=False, hung=False)
        event(args.name, "rejoined", old, writer=common.node_name(target), method=method)
        event(args.name, "switchover_done", target, old_writer=common.node_name(old),
              duration_ms=(time.monotonic_ns() - started_ns) / 1e6,
              to_writes_ms=(accepted_ns - started_ns) / 1e6)
        common.save_state(state)
        publish_hosts(state)
        print_status(state)


def rejoin(args):
    with common.cluster_lock(args.name):
        state = common.load_state(args.name)
        engine = engine_module(state)
        k = _node_arg(state, args.node)
        if k == state["writer"]:
            raise LabError("%s is the writer; rejoin is for a node that lost that role" %
                           common.node_name(k))
        pid = engine.main_pid(state, k)
        if pid:
            common.signal_all(engine.server_pids(state, k), signal.SIGCONT)
        netfaults.heal_node(state, k, _flags(state, k))
        method = engine.rejoin(state, k, state["writer"])
        _flags(state, k).update(stopped=False, hung=False)
        event(args.name, "rejoined", k, writer=common.node_name(state["writer"]), method=method)
        common.save_state(state)
        publish_hosts(state)
        print_status(state)


# ---------------------------------------------------------------- sql / status / events


def run_sql(args):
    state = common.load_state(args.name)
    k = _node_arg(state, args.node)
    done = engine_module(state).sql(state, k, args.sql, args.timeout)
    sys.stdout.write(done.stdout)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(1)


def show_status(args):
    print_status(common.load_state(args.name))


def show_events(args):
    common.load_state(args.name)
    print(common.events_path(args.name))
