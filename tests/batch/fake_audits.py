"""Audit functions the batch tests hand to workers (`BatchOptions.entry`): the real audit, made slow,
or made to crash, hang or run out of memory when the image's name says so. Workers import this
module from PYTHONPATH, which the tests point at this folder."""

from __future__ import annotations

import os
import time
from pathlib import Path

from firmware_audit.audit import audit


def slow(image, **kwargs):
    """The real audit, after a pause (so a test can kill a batch while images are in flight)."""
    time.sleep(float(os.environ.get("FAKE_AUDIT_DELAY", "1.0")))
    return audit(image, **kwargs)


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
