"""Audit functions the batch tests hand to workers (`BatchOptions.entry`): the real audit, made slow,
or made to crash, hang or run out of memory when the image's name says so. Workers import this
module from PYTHONPATH, which the tests point at this folder."""

from __future__ import annotations

import os
import time
from pathlib import Path

from firmware_audit.audit import audit


def slow(image, **kwargs):
    """The real audit, after a pause (so a test can kill a batch while images are in flight).

    With FAKE_AUDIT_GATE (a folder), only the first FAKE_AUDIT_PASS audits (default 2) go ahead; the
    others wait until the file `open` appears in that folder, so a test knows how many can finish
    before it acts, however busy the machine.
    """
    time.sleep(float(os.environ.get("FAKE_AUDIT_DELAY", "1.0")))
    gate = os.environ.get("FAKE_AUDIT_GATE")
    if gate and _ticket(Path(gate)) >= int(os.environ.get("FAKE_AUDIT_PASS", "2")):
        deadline = time.monotonic() + 300  # never an orphan forever
        while not (Path(gate) / "open").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    return audit(image, **kwargs)


def _ticket(gate):
    """The number of this call among all calls at the gate (files created exclusively: no races)."""
    number = 0
    while True:
        try:
            os.close(os.open(gate / f"ticket-{number}", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            number += 1
        else:
            return number


def flaky(image, **kwargs):
    """Crash, hang or exhaust memory as the file name asks; otherwise the real audit."""
    name = Path(image).name
    if "crash" in name:
        os.abort()  # what a segfaulting or asserting native parser does to the process
    if "hang" in name:
        time.sleep(3600)  # a parser stuck in a loop
    if "oom" in name:
        hog = bytearray(8 * 1024**3)  # far over the worker's RLIMIT_AS
        hog[0] = 1
    return audit(image, **kwargs)
