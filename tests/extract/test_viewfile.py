import io
import os
import tarfile

import pytest

from firmware_audit.extract.viewfile import ViewFile


def test_reads_seeks_and_tells_like_a_file() -> None:
    f = ViewFile(memoryview(b"0123456789"))
    assert f.read(3) == b"012"
    assert f.tell() == 3
    assert f.seek(-2, os.SEEK_END) == 8
    assert f.read() == b"89"
    assert f.read(5) == b""
    assert f.seek(2) == 2
    assert f.seek(3, os.SEEK_CUR) == 5
    buffer = bytearray(3)
    assert f.readinto(memoryview(buffer)) == 3
    assert buffer == b"567"
    assert f.seek(100) == 100
    assert f.read(1) == b""


def test_a_position_before_the_start_raises_oserror_as_zipfile_expects() -> None:
    f = ViewFile(memoryview(b"short"))
    with pytest.raises(OSError, match="negative seek"):
        f.seek(-22, os.SEEK_END)


def test_reads_only_the_part_of_a_larger_buffer_it_was_given() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        info = tarfile.TarInfo("a.txt")
        info.size = 2
        tf.addfile(info, io.BytesIO(b"hi"))
    blob = memoryview(b"JUNK" + buf.getvalue() + b"JUNK")
    with tarfile.open(fileobj=ViewFile(blob[4:-4]), mode="r:") as tf:
        assert tf.getnames() == ["a.txt"]
