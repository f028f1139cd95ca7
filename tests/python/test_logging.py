"""awrap's C++ log messages reach Python's logging (logger "awrap") with secrets masked, also
from awrap's background threads; the sink is removed at exit so a process ends cleanly."""
import logging
import subprocess
import sys
import textwrap

import awrap


def test_messages_reach_the_awrap_logger_with_secrets_masked(caplog):
    caplog.set_level(logging.DEBUG, logger="awrap")
    # An unreachable host with a password in the conninfo: awrap logs the failed attempt.
    try:
        awrap.connect("postgresql://awrap:super-secret-pw@127.0.0.2:9/awrap", connect_timeout=1,
                      plugins="")
    except awrap.OperationalError as e:
        assert "super-secret-pw" not in str(e)
    records = [r for r in caplog.records if r.name == "awrap"]
    assert any(r.funcName == "_emit" for r in records), "the C++ core's messages arrived"
    text = "\n".join(r.getMessage() for r in records)
    assert "super-secret-pw" not in text
    assert "***" in text
    assert awrap._native.mask_secrets("password=hunter2 host=x") == "password=*** host=x"


def test_level_follows_the_logger():
    logger = logging.getLogger("awrap")
    old = logger.level
    try:
        logger.setLevel(logging.ERROR)
        awrap.log.sync_level()
        assert awrap._native.log_level() == 4
        logger.setLevel(awrap.log.TRACE)
        awrap.log.sync_level()
        assert awrap._native.log_level() == 0
    finally:
        logger.setLevel(old)
        awrap.log.sync_level()


def test_interpreter_exits_cleanly_while_background_threads_log(tmp_path):
    """A process that logs at TRACE from awrap's background threads (host monitoring) and exits
    with a connection still open must end with status 0 and no crash."""
    script = tmp_path / "exit_while_logging.py"
    script.write_text(textwrap.dedent("""
        import logging, os, sys, threading
        sys.path.insert(0, %r)
        import awrap
        logging.basicConfig(level=5, stream=sys.stdout)
        conn = awrap.connect(%r, plugins="host_monitoring", failure_detection_interval_ms=100,
                             autocommit=True)
        conn.cursor().execute("SELECT pg_sleep(0.3)")
        print("threads", threading.active_count())
        # exit without closing: the sink must be gone before the interpreter is
    """ % (sys.path[0] if awrap.__file__ is None else __import__("os").path.dirname(
        __import__("os").path.dirname(awrap.__file__)),
        "host=127.0.0.40 port=5432 user=awrap password=awrap-lab-password dbname=awrap")))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "awrap-lab-password" not in proc.stdout + proc.stderr
