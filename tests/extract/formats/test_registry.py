import subprocess
import sys
from pathlib import Path

import pytest

from firmware_audit.extract import engine
from firmware_audit.extract.formats import HANDLERS
from firmware_audit.extract.formats.base import Deferred, Detection, Handler, Output
from firmware_audit.extract.limits import Budget, Limits
from firmware_audit.model import IssueKind

DATA = Path(__file__).parents[2] / "data" / "fs"
DEFERRED = [h for h in HANDLERS if isinstance(h, Deferred)]
LIBRARIES = {
    "squashfs": "dissect.squashfs",
    "cramfs": "dissect.cramfs",
    "jffs2": "dissect.jffs",
    "extfs": "dissect.extfs",
    "ubi": "ubireader.ubi",
    "ubifs": "ubireader.ubifs",
}


def test_every_handler_has_its_own_name() -> None:
    names = [h.name for h in HANDLERS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("deferred", DEFERRED, ids=lambda h: h.name)
def test_a_deferred_handler_is_found_as_its_format_handler_is(deferred: Deferred) -> None:
    handler = deferred.handler()
    assert not isinstance(handler, Deferred)
    assert handler.name == deferred.name
    assert handler.magics == deferred.magics
    assert handler.magic_offset == deferred.magic_offset
    assert handler.wrapper == deferred.wrapper
    assert deferred.handler() is handler  # loaded once


def test_a_deferred_handler_probes_and_unpacks_with_its_format_handler() -> None:
    calls: list[str] = []

    class Recording(Handler):
        name = "recording"
        magics = (b"REC!",)

        def probe(self, data: memoryview) -> Detection | None:
            calls.append("probe")
            return Detection("recorded", len(data))

        def unpack(self, data: memoryview, out: Output) -> int | None:
            calls.append("unpack")
            out.issue(IssueKind.PARSER_ERROR, "recorded")
            return len(data)

    deferred = Deferred(lambda: (calls.append("load"), Recording())[1], name="recording", magics=(b"REC!",))
    assert calls == []
    assert deferred.probe(memoryview(b"REC!1234")) == Detection("recorded", 8)
    out = Output(Budget(Limits()))
    assert deferred.unpack(memoryview(b"REC!"), out) == 4
    assert [p.message for p in out.problems] == ["recorded"]
    assert calls == ["load", "probe", "unpack"]


def _loaded_after(action: str) -> set[str]:
    """The deferred formats' libraries a fresh interpreter has imported after `action`."""
    code = (
        "import sys\n"
        "from firmware_audit.extract import unpack\n"
        f"{action}\n"
        f"print(' '.join(m for m in {sorted(LIBRARIES.values())!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_the_unpacker_imports_a_filesystem_library_only_for_an_image_that_holds_the_filesystem() -> None:
    assert LIBRARIES.keys() == {h.name for h in DEFERRED}
    assert _loaded_after("pass") == set()
    assert _loaded_after("unpack(b'no filesystem here ' * 100)") == set()
    squashfs = DATA / "squashfs-xz.sqfs"
    assert _loaded_after(f"assert len(unpack({str(squashfs)!r})) > 1") == {"dissect.squashfs"}


def test_a_format_whose_library_cannot_be_imported_is_not_taken_for_another_format() -> None:
    def missing() -> Handler:
        raise ModuleNotFoundError("No module named 'dissect.nothing'")

    deferred = Deferred(missing, name="nothing", magics=(b"NONE",))
    with pytest.raises(ModuleNotFoundError, match=r"dissect\.nothing"):
        engine._probe(deferred, memoryview(b"NONE" + bytes(60)))
