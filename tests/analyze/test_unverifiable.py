from builders import gz, noise, uimage

from firmware_audit.analyze import unverifiable
from firmware_audit.extract import unpack


def test_readable_image_has_no_reason() -> None:
    assert unverifiable.reason(unpack(uimage(gz(b"abc" * 999), comp=1))) is None


def test_encrypted_image_says_so() -> None:
    why = unverifiable.reason(unpack(b"Salted__" + noise(4000)))
    assert why is not None
    assert why.startswith("only 0% of the image could be explained")
    assert "4,008 of the 4,008 unread bytes look encrypted or compressed" in why
    assert "OpenSSL enc header (Salted__)" in why


def test_unknown_low_entropy_data_is_not_called_encrypted() -> None:
    why = unverifiable.reason(unpack(b"".join(b"record %05d of an unknown format\n" % i for i in range(200))))
    assert why is not None
    assert "in no format the unpacker knows" in why
    assert "encrypted" not in why


def test_empty_image() -> None:
    assert unverifiable.reason(unpack(b"")) == "the image is empty"
