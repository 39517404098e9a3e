"""Vendor submissions: one folder each, firmware files plus a `submission.toml` declaration.

`submission.toml` holds `vendor`, `model` and `country` (what the supplier declares, all required)
and optionally `firmware`, the file name or list of file names to audit; by default every other
regular file in the folder is firmware (hidden files aside). Other keys (a statement, a contact) are
kept out of the audit. A folder that cannot be read as a submission is reported, never skipped; a
firmware file lying loose in the batch folder is audited as an undeclared submission of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from firmware_audit.declaration import DeclarationError, read_declaration

if TYPE_CHECKING:
    from pathlib import Path

    from firmware_audit.model import Declared

SIDECAR = "submission.toml"


@dataclass(frozen=True, slots=True)
class Submission:
    """One vendor submission.

    Attributes:
        name: The folder's name, which identifies the submission in results.
        folder: The folder.
        declared: What the supplier declares (None when the declaration is unusable).
        images: The firmware files to audit.
        problem: Why the folder cannot be audited as a submission, if it cannot.
    """

    name: str
    folder: Path
    declared: Declared | None
    images: tuple[Path, ...]
    problem: str | None = None


def discover(root: Path) -> list[Submission]:
    """Every subfolder of `root` as a submission, then every loose file in it as an undeclared one.

    A firmware file put straight into `root` is audited, never passed over: as a submission of its
    own, named after the file, with nothing declared.
    """
    entries = sorted(root.iterdir(), key=lambda p: p.name)
    folders = [read(folder) for folder in entries if _is_folder(folder)]
    return folders + [undeclared(path) for path in loose_files(root)]


def loose_files(root: Path) -> list[Path]:
    """The regular files straight in `root` (hidden files aside), sorted by name."""
    return sorted(
        (p for p in root.iterdir() if not p.name.startswith(".") and _regular(p)), key=lambda p: p.name
    )


def undeclared(image: Path) -> Submission:
    """A loose firmware file as a submission of its own, with no declaration."""
    return Submission(image.name, image.parent, None, (image,))


def _is_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink() and not path.name.startswith(".")


def read(folder: Path) -> Submission:
    """Read one submission folder; problems land in `Submission.problem`."""
    declaration: tuple[Declared, object] | None = None
    try:
        declaration = _declaration(folder / SIDECAR)
        images = _images(folder, declaration)
    except _UnusableError as exc:
        return Submission(folder.name, folder, declaration[0] if declaration else None, (), str(exc))
    return Submission(folder.name, folder, declaration[0], images)


class _UnusableError(Exception):
    """The folder cannot be audited as a submission; the message says why."""


def _declaration(sidecar: Path) -> tuple[Declared, object]:
    """The declared identity and the `firmware` value of a sidecar."""
    try:
        return read_declaration(sidecar)
    except FileNotFoundError:
        raise _UnusableError(f"no {SIDECAR} in the folder") from None
    except DeclarationError as exc:
        raise _UnusableError(str(exc)) from exc


def _images(folder: Path, declaration: tuple[Declared, object]) -> tuple[Path, ...]:
    listed = declaration[1]
    if listed is None:
        found = sorted(
            (p for p in folder.iterdir() if p.name != SIDECAR and not p.name.startswith(".") and _regular(p)),
            key=lambda p: p.name,
        )
        if not found:
            raise _UnusableError("no firmware file in the folder")
        return tuple(found)
    names = [listed] if isinstance(listed, str) else listed
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise _UnusableError(f"{SIDECAR}: firmware must be a file name or a non-empty list of file names")
    images = []
    for name in names:
        # Names, not paths: a declaration must not point the gate at files outside the submission.
        if not name or "/" in name or "\\" in name or name in {".", ".."}:
            raise _UnusableError(f"{SIDECAR}: firmware {name!r} is not a plain file name in the folder")
        path = folder / name
        if not _regular(path):
            raise _UnusableError(f"{SIDECAR}: firmware {name!r} is not a regular file in the folder")
        images.append(path)
    return tuple(images)


def _regular(path: Path) -> bool:
    """A regular file, not a link (the gate reads what the supplier put there, nothing it points to)."""
    return path.is_file() and not path.is_symlink()
