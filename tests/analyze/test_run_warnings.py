"""Warnings libraries raise while a file is analysed become Issues of that file, once per kind."""

import io
import warnings
import zipfile
from collections.abc import Iterable
from typing import ClassVar

from firmware_audit.analyze import FileContext
from firmware_audit.audit import audit
from firmware_audit.extract import Node
from firmware_audit.extract.warned import caught_warnings
from firmware_audit.model import Finding, IssueKind


class _Warning:
    """Warns like LIEF on a corrupt segment: twice the same, once something else, and a deprecation."""

    name: ClassVar[str] = "warning"
    version: ClassVar[str] = "1"

    def applies_to(self, node: Node) -> bool:
        return node.size > 0

    def analyze(self, ctx: FileContext) -> Iterable[Finding]:
        for _ in range(2):
            warnings.warn("203 is not a valid TYPE", RuntimeWarning, stacklevel=1)
        warnings.warn(f"odd bytes in {ctx.node.path}", UserWarning, stacklevel=1)
        warnings.warn("an API of ours is old", DeprecationWarning, stacklevel=1)
        return ()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


def test_each_warning_is_an_issue_once_per_kind_and_file(recwarn) -> None:
    report = audit(_zip({"a.bin": b"a" * 100, "b.bin": b"b" * 100}), analyzers=(_Warning(),))
    warned = sorted((i.location.path, i.message) for i in report.issues if "a library warned" in i.message)
    prefix = "a library warned while reading this file: "
    assert warned == [
        ("/a.bin", f"{prefix}RuntimeWarning: 203 is not a valid TYPE"),
        ("/a.bin", f"{prefix}UserWarning: odd bytes in /a.bin"),
        ("/b.bin", f"{prefix}RuntimeWarning: 203 is not a valid TYPE"),
        ("/b.bin", f"{prefix}UserWarning: odd bytes in /b.bin"),
    ]
    assert all(i.kind is IssueKind.PARSER_ERROR for i in report.issues if "warned" in i.message)
    assert [str(w.message) for w in recwarn] == []  # nothing reached the interpreter's warning output


def test_caught_warnings_are_one_line_each() -> None:
    with caught_warnings() as messages:
        warnings.warn("two\nlines", UserWarning, stacklevel=1)
    assert messages == ["UserWarning: two lines"]
