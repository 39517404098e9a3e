from builders import tar_of
from traces_data import run

from firmware_audit.analyze import FileContext
from firmware_audit.analyze.traces import EmbeddedHashAnalyzer, LanguagePackAnalyzer, StartupAnalyzer
from firmware_audit.analyze.traces.hashes import MAX_HASHES
from firmware_audit.extract import unpack
from firmware_audit.model import IssueKind, Severity


def test_a_sofia_digest_of_a_published_password_in_a_program() -> None:
    program = b"\x7fELF\x00rtsp://%s:%d/user=admin&password=tlJwpbo6&channel=1\x00"
    (found,) = run(EmbeddedHashAnalyzer(), {"bin/Sofia": program})
    assert found.trace.kind == "credential-hash"
    assert "tlJwpbo6" in found.title
    assert "(empty)" in found.title


# made with: openssl passwd -1 -salt '' 1234
def test_a_crypt_hash_in_a_configuration_file_is_tested() -> None:
    config = b"admin:$1$$iC.dUsGpxNNJGeOm1dFio/:0:0:root:/:/bin/sh\n"
    (found,) = run(EmbeddedHashAnalyzer(), {"etc/passwd.bak": config})
    assert "'1234'" in found.title
    assert found.severity is Severity.HIGH


def test_login_services_and_vendor_programs_started_at_boot() -> None:
    script = (
        b"#!/bin/sh\n# /bin/busybox telnetd -F\n/bin/busybox telnetd -F &\n/usr/bin/sonia &\n/bin/mount -a\n"
    )
    found = {f.title: f for f in run(StartupAnalyzer(), {"etc/init.d/rcS": script})}
    assert set(found) == {"rcS starts the login service telnetd", "rcS starts /usr/bin/sonia"}
    assert found["rcS starts the login service telnetd"].severity is Severity.MEDIUM


def test_language_packs() -> None:
    (found,) = run(LanguagePackAnalyzer(), {"SimpChinese.txt": b"x"})
    assert found.title == "UI language pack SimpChinese (Simplified Chinese, for the CN market)"
    assert run(LanguagePackAnalyzer(), {"Sofia": b"x"}) == []


def test_hashes_past_max_hashes_are_counted_in_an_issue() -> None:
    # distinct MD5-crypt strings (not tested further than their count: each costs a crypt per password)
    hashes = b"\n".join(
        b"u%d:$1$salt%04d$abcdefghijklmnopqrstuv:0:0::/:/bin/sh" % (i, i) for i in range(MAX_HASHES + 3)
    )
    tree = unpack(tar_of({"etc/accounts.bak": hashes}))
    ctx = FileContext(tree, tree["/etc/accounts.bak"])
    assert len(list(EmbeddedHashAnalyzer().analyze(ctx))) == MAX_HASHES
    assert [(i.kind, i.message) for i in ctx.issues] == [
        (
            IssueKind.LIMIT,
            (
                f"embedded hashes: {MAX_HASHES + 3} crypt hashes, "
                f"the first {MAX_HASHES} tested and reported, 3 left out"
            ),
        )
    ]
