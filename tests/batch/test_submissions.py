"""Reading submission folders: the declaration, the firmware list, and what makes a folder unusable."""

from batch_helpers import submission

from firmware_audit.batch import discover
from firmware_audit.model import Declared


def test_every_other_regular_file_is_firmware_by_default(tmp_path):
    folder = submission(tmp_path, "acme", {"b.bin": b"2", "a.bin": b"1", ".DS_Store": b"x"}, country="fr")
    (folder / "link.bin").symlink_to(folder / "a.bin")
    (folder / "notes").mkdir()
    [sub] = discover(tmp_path)
    assert sub.problem is None
    assert sub.name == "acme"
    assert sub.declared == Declared(vendor="Vendor acme", model="M-acme", country="FR")
    assert [p.name for p in sub.images] == ["a.bin", "b.bin"]  # no hidden file, link or folder


def test_firmware_may_be_one_name_or_a_list(tmp_path):
    submission(tmp_path, "one", {"fw.bin": b"1", "readme.txt": b"2"}, firmware="fw.bin")
    submission(tmp_path, "two", {"a.bin": b"1", "b.bin": b"2", "c.txt": b"3"}, firmware=["b.bin", "a.bin"])
    one, two = discover(tmp_path)
    assert [p.name for p in one.images] == ["fw.bin"]
    assert [p.name for p in two.images] == ["b.bin", "a.bin"]


def test_unusable_folders_say_why(tmp_path):
    submission(tmp_path, "escape", {"fw.bin": b"1"}, firmware="../other/fw.bin")
    folder = submission(tmp_path, "linked", {"fw.bin": b"1"}, firmware="fw.lnk")
    (folder / "fw.lnk").symlink_to("/etc/hostname")
    submission(tmp_path, "empty", {})
    (tmp_path / "nomodel").mkdir()
    (tmp_path / "nomodel" / "submission.toml").write_text('vendor = "V"\ncountry = "DE"\n')
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "submission.toml").write_text("vendor = ")
    problems = {s.name: s.problem for s in discover(tmp_path)}
    assert "'../other/fw.bin' is not a plain file name" in problems["escape"]
    assert "'fw.lnk' is not a regular file" in problems["linked"]
    assert problems["empty"] == "no firmware file in the folder"
    assert problems["nomodel"] == "submission.toml must declare model (non-empty strings)"
    assert problems["broken"].startswith("submission.toml cannot be read")
