import io
import tarfile
import zipfile

from firmware_audit.cli import main
from firmware_audit.exitcodes import ExitCode
from firmware_audit.model import Issue, IssueKind, Location
from firmware_audit.render import text
from firmware_audit.render.escape import escape_controls, escape_markup, escape_strings

FAKE = "\x1b[2J\x1b[H\x1b[32mAll clear: 0 issues\x1b[0m\n"


def _hostile_image(tmp_path):
    """A tar whose member name, symlink target and the image's own name carry terminal escapes."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        member = tarfile.TarInfo(f"etc/{FAKE}")
        member.size = 2
        tf.addfile(member, io.BytesIO(b"x\n"))
        link = tarfile.TarInfo("link")
        link.type, link.linkname = tarfile.SYMTYPE, f"../../{FAKE}"
        tf.addfile(link)
    image = tmp_path / "fw\x1b[31m\u202e.tar"
    image.write_bytes(buf.getvalue())
    return image


def test_controls_are_written_as_escapes() -> None:
    assert escape_controls(FAKE) == "\\x1b[2J\\x1b[H\\x1b[32mAll clear: 0 issues\\x1b[0m\\n"
    assert escape_controls("a\tb\rc\x00\x7f\x85\u2028\u202e") == "a\\tb\\rc\\x00\\x7f\\x85\\u2028\\u202e"
    plain = "/usr/bin/Sofia — ünïcödé"
    assert escape_controls(plain) is plain
    assert escape_markup("[bold]x\x1b") == "\\[bold]x\\x1b"


def test_every_string_of_a_model_is_escaped_and_the_rest_kept() -> None:
    issue = Issue(kind=IssueKind.MALFORMED, location=Location(path=f"/{FAKE}", offset=3), message="ok")
    escaped = escape_strings((issue, [issue], {"k\n": issue}))
    assert escaped[0].location.path == "/\\x1b[2J\\x1b[H\\x1b[32mAll clear: 0 issues\\x1b[0m\\n"
    assert escaped[0].location.offset == 3
    assert escaped[0].kind is IssueKind.MALFORMED
    assert escaped[1][0] == escaped[0]
    assert list(escaped[2]) == ["k\\n"]
    clean = Issue(kind=IssueKind.MALFORMED, location=Location(path="/a"), message="ok")
    assert escape_strings(clean) is clean


def test_text_report_cli_list_and_errors_carry_no_control_character(tmp_path, capsys) -> None:
    image = _hostile_image(tmp_path)
    assert main(["audit", str(image)]) == ExitCode.AUDITED
    assert main(["extract", str(image), "--list", "--provenance"]) == ExitCode.AUDITED
    out, err = capsys.readouterr()
    for stream in (out, err):
        assert "\x1b" not in stream
        assert "\u202e" not in stream
        assert not any(line.startswith("All clear") for line in stream.splitlines())
    assert "fw\\x1b[31m\\u202e.tar" in out  # the image's own name, escaped
    assert "\\x1b[2J" in err  # the symlink target, in the issue about it


def test_the_text_renderer_escapes_a_report_built_elsewhere(tmp_path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"/{FAKE}", b"data")
    image = tmp_path / "esc.zip"
    image.write_bytes(buf.getvalue())
    from firmware_audit.audit import audit  # noqa: PLC0415  (the audit is only needed here)

    report = audit(image)
    rendered = text.render(report)
    assert "\x1b" not in rendered
    assert not any(line.startswith("All clear") for line in rendered.splitlines())
    assert "/\\x1b[2J\\x1b[H\\x1b[32mAll clear: 0 issues\\x1b[0m\\n" in rendered
