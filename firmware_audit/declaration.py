"""What a supplier declares about a product, read from a `submission.toml`.

The file holds `vendor`, `model` and `country` (ISO 3166-1 alpha-2), all required, and optionally
`firmware` (the file name or names of the images it covers) and free keys (a statement, a contact)
that the audit does not read. The batch gate reads one per submission folder; `firmware-audit audit
--submission FILE` and `audit(declared=read_declaration(path))` read one for a single image.
"""

from __future__ import annotations

import re
import tomllib
from typing import TYPE_CHECKING

from firmware_audit.model import Declared

if TYPE_CHECKING:
    import os

_COUNTRY = re.compile(r"[A-Za-z]{2}")


class DeclarationError(ValueError):
    """A declaration that cannot be used; the message says why, naming the file."""


def read_declaration(path: str | os.PathLike[str]) -> tuple[Declared, object]:
    """The declared identity in a submission file, and its `firmware` value (None when absent).

    Raises:
        DeclarationError: the file is missing or unreadable, or a required field is missing or invalid.
        FileNotFoundError: there is no such file.
    """
    name = str(path).replace("\\", "/").rsplit("/", 1)[-1]
    try:
        with open(path, "rb") as fh:  # noqa: PTH123  (str or PathLike, as the caller gives it)
            data = tomllib.loads(fh.read().decode("utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DeclarationError(f"{name} cannot be read: {exc}") from exc
    missing = [
        k for k in ("vendor", "model", "country") if not isinstance(data.get(k), str) or not data[k].strip()
    ]
    if missing:
        raise DeclarationError(f"{name} must declare {', '.join(missing)} (non-empty strings)")
    if not _COUNTRY.fullmatch(data["country"]):
        raise DeclarationError(f"{name}: country {data['country']!r} is not an ISO 3166-1 alpha-2 code")
    declared = Declared(
        vendor=data["vendor"].strip(), model=data["model"].strip(), country=data["country"].upper()
    )
    return declared, data.get("firmware")
