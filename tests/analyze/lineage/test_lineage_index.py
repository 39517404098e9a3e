"""The reference index: add_reference writes digests only; the inverted index counts shared functions."""

from __future__ import annotations

import json

import numpy as np
import pytest
from lineage_fixtures import DATA

from firmware_audit.analyze.lineage import index as lineage_index
from firmware_audit.analyze.lineage.index import Index, RefBinary, Reference, Source
from firmware_audit.analyze.lineage.reference import add_reference

SOURCE = Source(repository="lab/samples", commit="0" * 40, path="maker_app_v1", sha256="a" * 64)


def _add(folder, name="maker_app_v1", reference_id="tvt-app-1", maker="TVT"):
    return add_reference(
        DATA / name, folder=folder, reference_id=reference_id, maker=maker, source=SOURCE, version="1"
    )


def test_added_reference_holds_digests_and_provenance_only(tmp_path) -> None:
    added = _add(tmp_path)
    assert added.binaries == ("/maker_app_v1",)
    written = json.loads(added.path.read_text(encoding="utf-8"))
    assert written["maker"] == "TVT"
    assert written["source"] == {
        "repository": "lab/samples",
        "commit": "0" * 40,
        "path": "maker_app_v1",
        "sha256": "a" * 64,
    }
    (binary,) = written["binaries"]
    assert set(binary) == {"path", "sha256", "size", "arch", "tlsh", "functions"}
    # No run of the binary's own bytes is in the index: the digests are hashes.
    raw = (DATA / "maker_app_v1").read_bytes()
    text = added.path.read_bytes()
    assert not any(
        raw[i : i + 16] in text for i in range(0, len(raw) - 16, 16) if len(set(raw[i : i + 16])) > 8
    )


def test_maker_is_spelled_as_the_makers_table_does(tmp_path) -> None:
    added = _add(tmp_path, maker="tvt")
    assert added.maker == "TVT"


def test_loaded_index_counts_shared_functions(tmp_path) -> None:
    _add(tmp_path)
    _add(tmp_path, name="other_app", reference_id="other-1", maker="Tiandy")
    loaded = lineage_index.load(tmp_path, "local:test")
    assert len(loaded) == 2
    assert {b.reference.id for b in loaded.binaries} == {"tvt-app-1", "other-1"}
    own = loaded.binaries[[b.reference.id for b in loaded.binaries].index("tvt-app-1")].functions
    counts = loaded.shared(own, "arm")
    assert max(counts.tolist()) == len(own)


def test_tlsh_candidates_are_bucketed_by_length(tmp_path) -> None:
    _add(tmp_path)
    loaded = lineage_index.load(tmp_path, "local:test")
    (binary,) = loaded.binaries
    assert binary.tlsh is not None
    assert [n for _, n in loaded.tlsh_candidates("arm", binary.tlsh, 0)] == [0]
    assert list(loaded.tlsh_candidates("mips", binary.tlsh, 8)) == []


def test_an_image_without_maker_code_is_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match="no ELF file"):
        add_reference(DATA / "make.sh", folder=tmp_path, reference_id="x", maker="TVT", source=SOURCE)


def test_a_bad_id_is_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match="reference id"):
        add_reference(DATA / "maker_app_v1", folder=tmp_path, reference_id="../x", maker="TVT", source=SOURCE)


def test_a_broken_index_file_is_an_error(tmp_path) -> None:
    (tmp_path / "references").mkdir()
    (tmp_path / "references" / "x.json").write_text('{"id": "x"}', encoding="utf-8")
    with pytest.raises(lineage_index.LineageIndexError, match=r"x\.json"):
        lineage_index.load(tmp_path, "local:test")


def test_a_missing_folder_is_an_empty_index(tmp_path) -> None:
    loaded = lineage_index.load(tmp_path / "absent", "local:absent")
    assert len(loaded) == 0
    assert loaded.functions == 0
    assert loaded.shared(np.array([1, 2], dtype=np.uint64), "arm").tolist() == []
    assert loaded.arches == frozenset()


def test_the_shipped_index_loads_and_names_public_sources() -> None:
    shipped = lineage_index.load(lineage_index.SHIPPED, "shipped")
    assert len(shipped) >= 10
    assert len(shipped.common) > 1000
    for binary in shipped.binaries:
        source = binary.reference.source
        assert source.repository.count("/") == 1
        assert len(source.commit) == 40
        assert len(source.sha256) == 64
        assert len(binary.sha256) == 64
        assert binary.path
    makers = {b.reference.maker for b in shipped.binaries}
    assert {"Hualai", "Xiongmai", "VStarcam"} <= makers


def test_index_of_synthetic_rows() -> None:
    reference = Reference("r", "TVT", "", "", "", SOURCE)
    rows = [
        RefBinary(reference, f"/b{i}", "0" * 64, 1, "arm", None, np.array([i, i + 1], dtype=np.uint64))
        for i in range(5)
    ]
    built = Index(name="synthetic", binaries=rows)
    assert built.shared(np.array([2], dtype=np.uint64), "arm").tolist() == [0, 1, 1, 0, 0]


def test_only_binaries_of_the_file_s_instruction_set_share_its_functions() -> None:
    reference = Reference("r", "TVT", "", "", "", SOURCE)
    arches = ("arm", "arm", "arm", "mips", "arm")
    rows = [
        RefBinary(reference, f"/b{i}", "0" * 64, 1, arch, None, np.array([i, i + 1], dtype=np.uint64))
        for i, arch in enumerate(arches)
    ]
    built = Index(name="synthetic", binaries=rows)
    assert built.arches == {"arm", "mips"}
    three = np.array([3], dtype=np.uint64)
    assert built.shared(three, "arm").tolist() == [0, 0, 1, 0, 0]
    assert built.shared(three, "mips").tolist() == [0, 0, 0, 1, 0]
    assert built.shared(three, "thumb").tolist() == [0, 0, 0, 0, 0]


def test_the_local_index_follows_the_user_s_data_folder(monkeypatch, tmp_path) -> None:
    # The default folder is remembered per process, but by the variables that choose it.
    monkeypatch.delenv(lineage_index.LOCAL_ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "one"))
    assert lineage_index.local_index_path() == tmp_path / "one" / "firmware_audit" / "lineage"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "two"))
    assert lineage_index.local_index_path() == tmp_path / "two" / "firmware_audit" / "lineage"
    monkeypatch.setenv(lineage_index.LOCAL_ENV, str(tmp_path / "mine"))
    assert lineage_index.local_index_path() == tmp_path / "mine"
