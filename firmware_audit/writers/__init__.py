"""Builders for the firmware containers that firmware_audit reads, for its tests and synthetic corpus.

Each module builds one container from named member bytes with a small typed function, always the
same bytes for the same arguments (no clocks, no host facts), and has a command line for the test
data scripts, e.g. `python -m firmware_audit.writers.digicap -o fw.dav hroot.img=hroot.img`:

* `uimage` — U-Boot legacy images as `mkimage` writes them (single and multi-file).
* `digicap` — Hikvision `digicap.dav`.
* `dahua` — Dahua DH-zip.
* `xiongmai` — Xiongmai `General_*.bin`.
* `reolink` — Reolink / Swann PAK, 32- and 64-bit.

The writers can also lie on purpose (a compression field, a member name, a table order), which is
how the tests and the corpus show that the reader reports what labels get wrong.
"""

from __future__ import annotations

Member = tuple[str, bytes]
"""A member of a container: its name in the container and its bytes."""

__all__ = ["Member"]
