"""Dahua DH-zip firmware: a zip whose first (or every) local file header starts `DH` instead of `PK`.

The central directory and end record keep `PK` (binwalk `dahua_zip.rs`, FACT_core's Dahua
unpacker), so the zip lister reads it as it is, told to accept `DH` local headers: nothing is
patched and nothing copied.
"""

from __future__ import annotations

from firmware_audit.extract.formats import zip as zipfmt
from firmware_audit.extract.formats._vendorzip import first_member, mark_images, name_claims
from firmware_audit.extract.formats.base import Detection, Handler, Output

MAGIC = b"DH\x03\x04"
_LOCAL_MAGICS = (MAGIC, zipfmt.LOCAL_MAGIC)


class DahuaHandler(Handler):
    """Dahua DH-zip firmware (`General_*.bin`, `DH_*.bin`)."""

    name = "dahua-zip"
    magics = (MAGIC,)

    def probe(self, data: memoryview) -> Detection | None:
        """Check that a plausible local file header follows the `DH` magic."""
        name = first_member(data, MAGIC)
        if name is None:
            return None
        return Detection(f"Dahua DH-zip, first member '{name.decode('utf-8', 'backslashreplace')}'")

    def unpack(self, data: memoryview, out: Output) -> int | None:
        """List the members; flash images (`*.img`) are payloads whose names claim a filesystem."""
        first = len(out.entries)
        extent = zipfmt.list_members(data, out, local_magics=_LOCAL_MAGICS, claims_for=name_claims)
        mark_images(out, first)
        return extent


HANDLER = DahuaHandler()
