import pytest
from builders import gz, uimage

from firmware_audit import audit
from firmware_audit.declaration import DeclarationError, read_declaration
from firmware_audit.model import Declared


def test_reads_the_declaration_and_firmware(tmp_path) -> None:
    path = tmp_path / "submission.toml"
    path.write_text('vendor = " Acme "\nmodel = "X1"\ncountry = "de"\nfirmware = "fw.bin"\nnote = 1\n')
    assert read_declaration(path) == (Declared(vendor="Acme", model="X1", country="DE"), "fw.bin")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('vendor = "Acme"\ncountry = "DE"\n', "must declare model"),
        ('vendor = "Acme"\nmodel = "X1"\ncountry = "Germany"\n', "is not an ISO 3166-1 alpha-2 code"),
        ("vendor = ", "cannot be read"),
    ],
)
def test_unusable_declarations(tmp_path, text, message) -> None:
    path = tmp_path / "submission.toml"
    path.write_text(text)
    with pytest.raises(DeclarationError, match=message):
        read_declaration(path)


def test_missing_file(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        read_declaration(tmp_path / "none.toml")


def test_audit_takes_a_submission_file(tmp_path) -> None:
    path = tmp_path / "submission.toml"
    path.write_text('vendor = "Acme"\nmodel = "X1"\ncountry = "DE"\n')
    report = audit(uimage(gz(b"abc" * 999), comp=1), declared=path)
    assert report.declared == Declared(vendor="Acme", model="X1", country="DE")
