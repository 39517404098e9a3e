"""A child process's tie to its parent: it dies when the parent does, so nothing is left running."""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import signal
import sys

_PR_SET_PDEATHSIG = 1


def can_fork() -> bool:
    """True where this process may fork children that share its memory.

    Not on macOS (forking a process that loaded system frameworks is unsafe) nor where `fork` is
    missing (Windows), and not in a daemonic process (a `multiprocessing.Pool` worker), which
    `multiprocessing` forbids to have children.
    """
    return (
        sys.platform != "darwin"
        and "fork" in multiprocessing.get_all_start_methods()
        and not multiprocessing.current_process().daemon
    )


def die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (a killed audit or batch leaves no orphans)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def killed_by(signum: int) -> str:
    """How a child killed by signal `signum` is described: `killed by signal 9, SIGKILL; out of memory?`."""
    try:
        name = signal.Signals(signum).name
    except ValueError:
        name = "an unknown signal"
    # The kernel's out-of-memory killer sends SIGKILL; an abort or a fault is a native library's doing.
    hint = "out of memory?" if signum == signal.SIGKILL else "a crash in a native library?"
    return f"killed by signal {signum}, {name}; {hint}"
