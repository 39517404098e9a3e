from traces_data import run

from firmware_audit.analyze.traces import EmbeddedHashAnalyzer, LanguagePackAnalyzer, StartupAnalyzer
from firmware_audit.model import Severity


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
