"""awrap's C++ log messages go to Python's logging, logger "awrap" (TRACE is level 5).

awrap masks passwords, tokens, secret values and AWS keys in every message before it leaves C++.
The C++ level follows the "awrap" logger's effective level, read at import and at every connect()
(or call ``awrap.log.sync_level()`` after changing it). The sink is removed at interpreter exit,
so awrap's background threads never call into a finalized interpreter.
"""
import atexit
import logging

from . import _native

TRACE = 5
logger = logging.getLogger("awrap")

# awrap::LogLevel (0 trace … 4 error, 5 off) <-> logging levels.
_TO_PYTHON = (TRACE, logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR)


def _emit(level, message):
    logger.log(_TO_PYTHON[level] if 0 <= level < len(_TO_PYTHON) else logging.ERROR, "%s", message)


def _awrap_level(python_level):
    if python_level <= TRACE:
        return 0
    if python_level <= logging.DEBUG:
        return 1
    if python_level <= logging.INFO:
        return 2
    if python_level <= logging.WARNING:
        return 3
    if python_level <= logging.CRITICAL:
        return 4
    return 5


def sync_level():
    """Sets awrap's process-wide C++ log level from the "awrap" logger's effective level."""
    level = _awrap_level(logger.getEffectiveLevel())
    if level != _native.log_level():
        _native.set_log_level(level)


def install():
    logging.addLevelName(TRACE, "TRACE")
    _native.install_log_sink(_emit)
    atexit.register(_native.remove_log_sink)
    # Event listeners too: awrap's monitor threads must not call into a finalizing interpreter.
    atexit.register(_native.stop_events)
    sync_level()


def mask_secrets(text):
    """awrap's C++ masking, for messages written from Python."""
    return _native.mask_secrets(text)
