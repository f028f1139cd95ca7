"""Tables and the timeline plot: clients compared within each run, then medians and maxima
over runs."""

import os
import statistics
import subprocess
import tempfile

FAULT_ORDER = ["crash", "hang", "blackhole", "switchover", "stop"]


def _fault_key(fault):
    return FAULT_ORDER.index(fault) if fault in FAULT_ORDER else len(FAULT_ORDER)


def _ms(value):
    return "never" if value is None else "%.0f ms" % value


def summarize(results, reference="awrap"):
    """One row per (fault, client). 'vs_reference' is the median over runs of this client's
    downtime divided by the reference client's downtime in the same run."""
    rows = []
    keys = sorted({(r["fault"], r["client"]) for r in results}, key=lambda k: (_fault_key(k[0]), k[1]))
    for fault, client in keys:
        rs = [r for r in results if r["client"] == client and r["fault"] == fault]
        ok = [r for r in rs if r["recovered"]]
        down = [r["downtime_ms"] for r in ok]
        gap = [r["downtime_after_promotion_ms"] for r in ok]
        # The lab's own writer accepting an acknowledged write: on MariaDB a semi-sync commit on
        # the new writer can wait for a replica to follow it, long after the commit started.
        acked = [r["writer_acknowledged_ms"] for r in rs if r.get("writer_acknowledged_ms") is not None]
        after_ack = [r["downtime_ms"] - r["writer_acknowledged_ms"] for r in ok
                     if r.get("writer_acknowledged_ms") is not None]
        ratios = []
        for r in ok:
            ref = next((x for x in results if x["run"] == r["run"] and x["client"] == reference
                        and x["recovered"]), None)
            if ref and ref["downtime_ms"] > 0:
                ratios.append(r["downtime_ms"] / ref["downtime_ms"])
        rows.append({
            "fault": fault, "client": client, "runs": len(rs),
            "downtime_median_ms": round(statistics.median(down), 1) if down else None,
            "downtime_max_ms": round(max(down), 1) if down else None,
            "promotion_median_ms": round(statistics.median(r["promotion_ms"] for r in rs), 1),
            "after_promotion_median_ms": round(statistics.median(gap), 1) if gap else None,
            "after_promotion_max_ms": round(max(gap), 1) if gap else None,
            "writer_acknowledged_median_ms": round(statistics.median(acked), 1) if acked else None,
            "after_acknowledged_median_ms": round(statistics.median(after_ack), 1) if after_ack else None,
            "vs_%s_median" % reference: round(statistics.median(ratios), 2) if ratios else None,
            "not_recovered_runs": len(rs) - len(ok),
            "errors_seen": sum(sum(r["errors_seen"].values()) for r in rs),
            "error_classes": sorted({c for r in rs for c in r["errors_seen"]}),
            "lost_acknowledged_writes": sum(r["lost_acknowledged_writes"] for r in rs),
            "not_applied_but_present": sum(r["not_applied_but_present"] for r in rs),
            "unknown_outcome_writes": sum(r["unknown_outcome_writes"] for r in rs)})
    return rows


def print_runs(results):
    """Within each run, the clients side by side."""
    for run in sorted({r["run"] for r in results}):
        rs = sorted((r for r in results if r["run"] == run), key=lambda r: r["client"])
        figures = "; ".join("%s %s, %d errors" % (r["client"], _ms(r["downtime_ms"] if r["recovered"] else None),
                                                  sum(r["errors_seen"].values())) for r in rs)
        print("run %d (%s, new writer's first commit at %.0f ms): %s" % (
            run, rs[0]["fault"], rs[0]["promotion_ms"], figures))


def print_table(rows, reference="awrap"):
    header = ("fault", "client", "runs", "downtime med", "downtime max", "promotion med",
              "after promotion med", "lab write acked med", "after acked med", "vs %s" % reference, "not recovered", "errors",
              "lost acked", "not-applied but applied", "unknown outcome")
    print("\n" + " | ".join(header))
    print("-" * 150)
    for r in rows:
        ratio = r["vs_%s_median" % reference]
        print(" | ".join(str(x) for x in (
            r["fault"], r["client"], r["runs"], _ms(r["downtime_median_ms"]), _ms(r["downtime_max_ms"]),
            _ms(r["promotion_median_ms"]), _ms(r["after_promotion_median_ms"]),
            _ms(r.get("writer_acknowledged_median_ms")), _ms(r.get("after_acknowledged_median_ms")),
            "-" if ratio is None else "%.2f" % ratio, r["not_recovered_runs"], r["errors_seen"],
            r["lost_acknowledged_writes"], r["not_applied_but_present"], r["unknown_outcome_writes"])))
    print()


def markdown_table(rows, reference="awrap"):
    lines = ["| fault | client | downtime median (max) | promotion | downtime − promotion median (max) "
             "| ÷ %s in the same run | not recovered | errors | lost acked writes | reported not applied but applied |" % reference,
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio = r["vs_%s_median" % reference]
        down = "never" if r["downtime_median_ms"] is None else "%.0f ms (%.0f)" % (
            r["downtime_median_ms"], r["downtime_max_ms"])
        gap = "—" if r["after_promotion_median_ms"] is None else "%.0f ms (%.0f)" % (
            r["after_promotion_median_ms"], r["after_promotion_max_ms"])
        lines.append("| %s | %s | %s | %.0f ms | %s | %s | %d / %d | %d | %d | %d |" % (
            r["fault"], r["client"], down, r["promotion_median_ms"], gap,
            "—" if ratio is None else "%.2f" % ratio, r["not_recovered_runs"], r["runs"],
            r["errors_seen"], r["lost_acknowledged_writes"], r["not_applied_but_present"]))
    return "\n".join(lines) + "\n"


def plot(results, path, window_ms=(-1000, 8000)):
    """One panel per fault: the first run, every client's writes over time since the fault, at
    the moment each call returned (ok = dot, failed = cross), client k on rows 10k..10k+threads."""
    faults = sorted({r["fault"] for r in results}, key=_fault_key)
    clients = sorted({r["client"] for r in results})
    lo, hi = window_ms
    with tempfile.TemporaryDirectory() as tmp:
        script = ["set terminal pngcairo size 1200,%d" % (380 * len(faults)), "set output '%s'" % path,
                  "set multiplot layout %d,1" % len(faults), "set xlabel 'ms since the fault (each write at the moment its call returned)'",
                  "set grid", "set key outside right", "unset ytics"]
        for fault in faults:
            first_run = min(r["run"] for r in results if r["fault"] == fault)
            run = [r for r in results if r["run"] == first_run]
            plots, labels = [], []
            for offset, client in enumerate(clients):
                r = next((x for x in run if x["client"] == client), None)
                if not r:
                    continue
                labels.append("'%s' %d" % (client, offset * 10 + 2))
                for kind, keep in (("ok", True), ("error", False)):
                    name = os.path.join(tmp, "%s-%s-%s.dat" % (fault, client, kind))
                    with open(name, "w") as handle:
                        for thread, t_ms, ok, write in r["timeline"]:
                            if write and ok == keep and lo <= t_ms <= hi:
                                handle.write("%f %f\n" % (t_ms, thread + offset * 10))
                    plots.append("'%s' using 1:2 with points pt %d ps 0.6 title '%s %s'" % (
                        name, 7 if keep else 2, client, "write ok" if keep else "write failed"))
            promotion = run[0]["promotion_ms"]
            script += ["set title \"writer %s (run %d, all clients at once): red = fault, blue = new writer's first commit\""
                       % (fault, first_run),
                       "set ytics (%s)" % ", ".join(labels), "unset arrow",
                       "set arrow from 0, graph 0 to 0, graph 1 nohead lc rgb 'red' dt 2",
                       "set arrow from %f, graph 0 to %f, graph 1 nohead lc rgb 'blue' dt 3" % (promotion, promotion),
                       "plot [%d:%d] [-1:%d] %s" % (lo, hi, 10 * len(clients), ", ".join(plots))]
        script.append("unset multiplot")
        gp = os.path.join(tmp, "plot.gp")
        with open(gp, "w") as handle:
            handle.write("\n".join(script) + "\n")
        subprocess.run(["gnuplot", gp], check=True)


def pivot_table(rows, clients):
    """Faults down, clients across, as in the README: median downtime over runs, and in
    brackets the median of downtime minus the new writer's first commit (the part the client
    adds to the cluster's own promotion)."""
    lines = ["| fault | " + " | ".join(clients) + " |", "|---|" + "---|" * len(clients)]
    for fault in sorted({r["fault"] for r in rows}, key=_fault_key):
        cells = []
        for client in clients:
            r = next((x for x in rows if x["fault"] == fault and x["client"] == client), None)
            if r is None:
                cells.append("—")
            elif r["downtime_median_ms"] is None:
                cells.append("never (%d / %d runs)" % (r["not_recovered_runs"], r["runs"]))
            else:
                cell = "%.2f s (+%.2f s)" % (r["downtime_median_ms"] / 1000, r["after_promotion_median_ms"] / 1000)
                if r["not_recovered_runs"]:
                    cell += ", not recovered in %d / %d runs" % (r["not_recovered_runs"], r["runs"])
                cells.append(cell)
        lines.append("| %s | %s |" % (fault, " | ".join(cells)))
    return "\n".join(lines) + "\n"
