"""Per run and client: what the application saw, lined up with what the cluster did.
Pure functions over the workload's JSON, the rows found on the new writer and the lab's
events; every time is CLOCK_MONOTONIC ns unless named otherwise."""

from .outcomes import NOT_APPLIED, write_outcome


def fault_time_ns(events, fault):
    """The moment the fault began: fault_injected, or switchover_started for a switchover."""
    name = "switchover_started" if fault == "switchover" else "fault_injected"
    return next(e["mono_ns"] for e in events if e["event"] == name)


def lab_timeline_ms(events, fault_ns):
    """The lab's steps after the fault, ms since the fault (first occurrence of each)."""
    steps = ("fault_injected", "failover_started", "switchover_started", "fenced", "node_down",
             "promoting", "promoted", "writer_accepting_writes", "topology_updated", "dns_updated")
    out = {}
    for e in events:
        if e["event"] in steps and e["event"] not in out and e["mono_ns"] >= fault_ns:
            out[e["event"]] = round((e["mono_ns"] - fault_ns) / 1e6, 1)
    accepted = next((e for e in events if e["event"] == "writer_accepting_writes"), None)
    if accepted and accepted.get("server_commit_mono_ns"):
        out["probe_server_commit"] = round((accepted["server_commit_mono_ns"] - fault_ns) / 1e6, 1)
    return out


def first_write_on_new_writer_ns(events, commit_mono_ns):
    """When the new writer first committed a write, on the server's clock moved onto
    CLOCK_MONOTONIC: the earliest commit (the lab's probe or any client's row) made after the
    promotion was asked for. Rows replicated from the old writer carry older commit times.
    Every acknowledged client write committed at or after this moment, so no client's downtime
    can be shorter than it."""
    promoting = next(e["mono_ns"] for e in events if e["event"] == "promoting")
    accepted = next(e for e in events if e["event"] == "writer_accepting_writes")
    candidates = [t for t in commit_mono_ns if t is not None and t >= promoting]
    probe = accepted.get("server_commit_mono_ns")
    if probe is not None:
        candidates.append(probe)
    if not candidates:  # a lab without commit times: the probe's acknowledgement
        return accepted["mono_ns"]
    return min(candidates)


def client_result(workload, present, fault_ns, promotion_ns, probe_ack_ns):
    """Figures for one client in one run. workload: the client's JSON; present: set of
    (thread, seq) rows of this client found on the new writer."""
    lost = 0
    not_applied_but_present = 0
    unknown_writes = 0
    unknown_applied = 0
    errors = {}
    worst_recovery = 0.0
    hung = 0
    wrote_before_fault = False
    timeline = []
    window_end_ns = workload["deadline_ns"]
    for t, thread in enumerate(workload["threads"]):
        last_bad_end = fault_ns
        for start, end, seq, ok, write, error in thread["ops"]:
            # When the application learned the outcome (a call blocked for seconds ends late).
            timeline.append((t, (end - fault_ns) / 1e6, ok, write))
            if write and ok:
                wrote_before_fault |= end < fault_ns
                if (t, seq) not in present:
                    lost += 1
            if not ok:
                errors[error] = errors.get(error, 0) + 1
                if end > fault_ns:
                    last_bad_end = max(last_bad_end, end)
                if write:
                    applied = (t, seq) in present
                    if write_outcome(error) == NOT_APPLIED:
                        not_applied_but_present += applied
                    else:
                        unknown_writes += 1
                        unknown_applied += applied
        first_ok_after = None
        for start, end, seq, ok, write, error in thread["ops"]:
            if write and ok and start >= last_bad_end:
                first_ok_after = end
                break
        if thread["hung"]:
            hung += 1
            first_ok_after = None
        recovery = ((first_ok_after if first_ok_after else window_end_ns) - fault_ns) / 1e6
        worst_recovery = max(worst_recovery, recovery)
    recovered = hung == 0 and worst_recovery < (window_end_ns - fault_ns) / 1e6
    promotion_ms = (promotion_ns - fault_ns) / 1e6
    return {"client": workload["client"], "driver": workload.get("driver", workload["client"]),
            "downtime_ms": round(worst_recovery, 1), "promotion_ms": round(promotion_ms, 1),
            "writer_acknowledged_ms": round((probe_ack_ns - fault_ns) / 1e6, 1),
            "downtime_after_promotion_ms": round(worst_recovery - promotion_ms, 1) if recovered else None,
            "errors_seen": errors, "lost_acknowledged_writes": lost,
            "not_applied_but_present": not_applied_but_present,
            "unknown_outcome_writes": unknown_writes, "unknown_outcome_applied": unknown_applied,
            "hung_threads": hung, "recovered": recovered, "wrote_before_fault": wrote_before_fault,
            "timeline": timeline}
