"""Reproducible zip archives, the base of the Dahua and Xiongmai containers."""

from __future__ import annotations

import io
import zipfile
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Sequence

    from firmware_audit.writers import Member

Compression = Literal["stored", "deflated"]

_METHODS = {"stored": zipfile.ZIP_STORED, "deflated": zipfile.ZIP_DEFLATED}
_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can record: no clock in the output
_UNIX = 3


def build_zip(members: Sequence[Member], *, compression: Compression = "deflated") -> tuple[bytes, list[int]]:
    """Write `members` as a zip with fixed times and modes.

    Returns:
        The archive, and the offset of each member's local file header in it.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = _METHODS[compression]
            info.create_system = _UNIX
            info.external_attr = 0o100644 << 16
            archive.writestr(info, data)
        offsets = [info.header_offset for info in archive.infolist()]
    return buffer.getvalue(), offsets
