"""Unit tests of the failover benchmark's analysis (bench/failover/bench_lib): pure functions
over made-up workload output and lab events, no lab."""
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "failover"))

from bench_lib import analysis, report  # noqa: E402
from bench_lib.outcomes import NOT_APPLIED, UNKNOWN, write_outcome  # noqa: E402

MS = 1_000_000
FAULT = 10_000 * MS


def workload(threads, deadline=FAULT + 8000 * MS, client="awrap"):
    return {"client": client, "deadline_ns": deadline,
            "threads": [{"hung": hung, "ops": ops} for hung, ops in threads]}


def op(start_ms, end_ms, seq, ok, write=True, error=""):
    return [FAULT + start_ms * MS, FAULT + end_ms * MS, seq, ok, write, error]


class WriteOutcomeTest(unittest.TestCase):
    def test_classes(self):
        self.assertEqual(write_outcome("FailoverSuccessError"), NOT_APPLIED)
        self.assertEqual(write_outcome("connect_failed"), NOT_APPLIED)
        self.assertEqual(write_outcome("sqlstate_25006"), NOT_APPLIED)
        self.assertEqual(write_outcome("mysql_1290"), NOT_APPLIED)
        for unknown in ("TransactionResolutionUnknownError", "FailoverFailedError", "connection_lost",
                        "sqlstate_57P01", "sqlstate_08006", "mysql_2013"):
            self.assertEqual(write_outcome(unknown), UNKNOWN, unknown)


class ClientResultTest(unittest.TestCase):
    def test_downtime_is_worst_thread_to_first_write_after_last_failure(self):
        w = workload([
            (False, [op(-20, -19, 1, True), op(1, 300, 2, False, error="FailoverSuccessError"),
                     op(310, 320, 3, True)]),
            (False, [op(-20, -19, 1, True), op(2, 100, 2, False, error="connection_lost"),
                     op(110, 120, 0, False, write=False, error="connect_failed"), op(500, 540, 3, True)]),
        ])
        present = {(0, 1), (0, 3), (1, 1), (1, 2), (1, 3)}
        r = analysis.client_result(w, present, FAULT, FAULT + 200 * MS, FAULT + 400 * MS)
        self.assertEqual(r["downtime_ms"], 540.0)
        self.assertEqual(r["promotion_ms"], 200.0)
        self.assertEqual(r["downtime_after_promotion_ms"], 340.0)
        self.assertEqual(r["errors_seen"], {"FailoverSuccessError": 1, "connection_lost": 1, "connect_failed": 1})
        self.assertEqual(r["lost_acknowledged_writes"], 0)
        self.assertEqual(r["not_applied_but_present"], 0)
        self.assertEqual(r["unknown_outcome_writes"], 1)
        self.assertEqual(r["unknown_outcome_applied"], 1)
        self.assertTrue(r["recovered"])
        self.assertTrue(r["wrote_before_fault"])

    def test_lost_and_falsely_not_applied_writes_are_counted(self):
        w = workload([(False, [op(-5, -4, 1, True), op(1, 50, 2, False, error="FailoverSuccessError"),
                               op(60, 70, 3, True)])])
        r = analysis.client_result(w, {(0, 2)}, FAULT, FAULT + 30 * MS, FAULT + 40 * MS)
        self.assertEqual(r["lost_acknowledged_writes"], 2)  # seq 1 and 3 acknowledged, missing
        self.assertEqual(r["not_applied_but_present"], 1)   # seq 2 said "not applied", is there

    def test_hung_thread_is_not_recovered(self):
        w = workload([(True, [op(-5, -4, 1, True)])])
        r = analysis.client_result(w, {(0, 1)}, FAULT, FAULT + 30 * MS, FAULT + 40 * MS)
        self.assertFalse(r["recovered"])
        self.assertIsNone(r["downtime_after_promotion_ms"])
        self.assertEqual(r["hung_threads"], 1)


class PromotionTest(unittest.TestCase):
    EVENTS = [{"event": "fault_injected", "mono_ns": FAULT},
              {"event": "promoting", "mono_ns": FAULT + 100 * MS},
              {"event": "writer_accepting_writes", "mono_ns": FAULT + 400 * MS,
               "server_commit_mono_ns": FAULT + 180 * MS}]

    def test_earliest_commit_after_promoting_wins(self):
        commits = [FAULT - 5 * MS, FAULT + 150 * MS, FAULT + 300 * MS]  # the first is the old writer's
        self.assertEqual(analysis.first_write_on_new_writer_ns(self.EVENTS, commits), FAULT + 150 * MS)

    def test_probe_commit_when_no_client_committed_earlier(self):
        self.assertEqual(analysis.first_write_on_new_writer_ns(self.EVENTS, [FAULT + 900 * MS]),
                         FAULT + 180 * MS)

    def test_fault_time_of_a_switchover(self):
        events = [{"event": "switchover_started", "mono_ns": 7}]
        self.assertEqual(analysis.fault_time_ns(events, "switchover"), 7)


class SummaryTest(unittest.TestCase):
    def test_ratio_to_awrap_within_each_run(self):
        def result(run, client, down):
            return {"run": run, "client": client, "fault": "crash", "recovered": True, "downtime_ms": down,
                    "downtime_after_promotion_ms": down - 100, "promotion_ms": 100, "errors_seen": {"x": 1},
                    "lost_acknowledged_writes": 0, "not_applied_but_present": 0, "unknown_outcome_writes": 0}
        results = [result(1, "awrap", 200), result(1, "libpq", 400), result(2, "awrap", 300), result(2, "libpq", 300)]
        rows = {r["client"]: r for r in report.summarize(results)}
        self.assertEqual(rows["libpq"]["vs_awrap_median"], 1.5)
        self.assertEqual(rows["libpq"]["downtime_max_ms"], 400)
        self.assertEqual(rows["awrap"]["vs_awrap_median"], 1.0)
        self.assertIn("| crash | libpq | 350 ms (400) |", report.markdown_table(list(rows.values())))


if __name__ == "__main__":
    unittest.main()
