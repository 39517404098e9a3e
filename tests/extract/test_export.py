from pathlib import Path

import pytest
from builders import gz, uimage

from firmware_audit.extract import unpack
from firmware_audit.extract.export import export, host_relative


def test_host_relative_maps_container_boundaries() -> None:
    assert host_relative("/a.img!/usr/bin/x") == Path("a.img.extracted/usr/bin/x")
    for bad in ("/a/../b", "/", "/a//b"):
        with pytest.raises(ValueError, match="unsafe"):
            host_relative(bad)


def test_export_writes_every_file_and_nothing_outside(tmp_path, text_blob) -> None:
    tree = unpack(uimage(gz(text_blob), comp=1))
    out = tmp_path / "out"
    result = export(tree, out)
    assert result.files == 2
    assert (out / "payload.extracted" / "payload").read_bytes() == text_blob
    assert (out / "payload").read_bytes() == gz(text_blob)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_export_does_not_write_through_a_planted_symlink(tmp_path, text_blob) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "payload.extracted").symlink_to(outside)
    result = export(unpack(uimage(gz(text_blob), comp=1)), out)
    assert list(outside.iterdir()) == []
    assert any("not a plain directory" in reason for _, reason in result.skipped)


def test_export_never_overwrites(tmp_path, text_blob) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "payload").write_bytes(b"keep")
    result = export(unpack(uimage(gz(text_blob), comp=1)), out)
    assert (out / "payload").read_bytes() == b"keep"
    assert any("cannot create" in reason for _, reason in result.skipped)
