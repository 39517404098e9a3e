from firmware_audit.extract.names import link_escapes, member_path, segment


def test_segment_escapes_what_would_change_a_path() -> None:
    assert segment(b"Sofia") == "Sofia"
    assert segment(b"a!b") == "a%21b"
    assert segment(b"100%") == "100%25"
    assert segment(b"back\\slash") == "back%5Cslash"
    assert segment(b"tab\there") == "tab%09here"
    assert segment("中文".encode()) == "中文"


def test_segment_keeps_non_utf8_bytes_visible_and_distinct() -> None:
    assert segment(b"\xff\xfe") == "%FF%FE"
    assert segment(b"\xff") != segment(b"\xfe")


def test_member_path_resolves_and_reports_traversal() -> None:
    mp = member_path(b"../../etc/passwd")
    assert mp.segments == ("etc", "passwd")
    assert mp.problems == ("name climbs out of the container with '..'",)
    mp = member_path(b"/etc/shadow")
    assert mp.segments == ("etc", "shadow")
    assert mp.problems == ("absolute name",)
    mp = member_path(b"a/./b/../c")
    assert mp.segments == ("a", "c")
    assert mp.problems == ()


def test_member_path_backslashes_only_when_asked() -> None:
    assert member_path(b"..\\..\\evil.sh", backslash_separates=True).segments == ("evil.sh",)
    assert member_path(b"..\\..\\evil.sh").segments == ("..%5C..%5Cevil.sh",)


def test_link_escapes() -> None:
    assert not link_escapes(("bin",), b"busybox")
    assert not link_escapes(("usr", "bin"), b"../../bin/busybox")
    assert link_escapes(("usr", "bin"), b"../../../etc/passwd")
    assert not link_escapes(("bin",), b"/bin/busybox")
