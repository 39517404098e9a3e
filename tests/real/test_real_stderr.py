"""Nothing reaches stderr while the command line audits each piece of the real-firmware set.

A warning a library raises while reading an image (cryptography on a certificate's serial, LIEF on a
corrupt segment) belongs in the report's issues, not on the terminal. The pieces are audited in one
child process, whose stderr (the file descriptor, so native libraries' output is caught too) holds
only the marker the child writes before each piece.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from firmware_audit.exitcodes import ExitCode

ROOT = Path(__file__).resolve().parents[2]
SET = ROOT.parent / "shared" / "real-firmware"
MARK = "=== piece: "
CHILD = f"""
import os, sys
from firmware_audit.cli import main
for piece in sys.argv[1:]:
    os.write(2, ("{MARK}" + piece + "\\n").encode())
    code = main(["audit", piece, "--format", "json", "-o", os.devnull])
    print(piece, code, flush=True)
"""


def test_no_piece_writes_to_stderr_during_an_audit() -> None:
    if not (SET / "sources.json").is_file():
        pytest.skip(f"the real-firmware development set is not present at {SET}")
    # Every piece the set holds (sources.json lists them all; expected.toml only the scored ones).
    pieces = [str(SET / row["dest"]) for row in json.loads((SET / "sources.json").read_text())]
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, *pieces], capture_output=True, text=True, timeout=3600, check=False
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    codes = dict(line.rsplit(" ", 1) for line in proc.stdout.splitlines())
    assert set(codes) == set(pieces)
    assert set(codes.values()) == {str(int(ExitCode.AUDITED))}, codes
    written: dict[str, list[str]] = {}
    current = ""
    for line in proc.stderr.splitlines():
        if line.startswith(MARK):
            current = line.removeprefix(MARK)
        else:
            written.setdefault(current, []).append(line)
    assert written == {}
