import pytest

from firmware_audit.extract.mtdparts import Partition, find_tables


def test_hisilicon_stock_layout() -> None:
    text = (
        b"bootargs=mem=64M console=ttyAMA0,115200 root=/dev/mtdblock2 rootfstype=squashfs "
        b"mtdparts=hi_sfc:192k(bld)ro,64k(env)ro,64k(enc)ro,64k(sysflg)ro,3136k(sys),4224k(app),448k(cfg)\0"
    )
    (table,) = find_tables(text, 8 << 20)
    assert table.controller == "hi_sfc"
    assert table.partitions[0] == Partition("bld", 0, 192 << 10)
    assert table.partitions[4] == Partition("sys", (192 + 64 * 3) << 10, 3136 << 10)
    assert table.found_at == text.index(b"mtdparts=")


def test_dash_takes_the_rest_of_the_flash() -> None:
    (table,) = find_tables(
        b"mtdparts=sfc:256k(boot),64k(env),2048k(kernel),5120k(rootfs),-(rootfs_data)", 8 << 20
    )
    last = table.partitions[-1]
    assert last.name == "rootfs_data"
    assert last.offset == (256 + 64 + 2048 + 5120) << 10
    assert last.offset + last.size == 8 << 20


def test_explicit_offsets_and_hex() -> None:
    (table,) = find_tables(b"mtdparts=xm_sfc:0x40000@0(boot),1536k@0x40000(kernel)", 16 << 20)
    assert table.partitions == (Partition("boot", 0, 0x40000), Partition("kernel", 0x40000, 1536 << 10))


def test_text_that_is_not_a_table() -> None:
    assert find_tables(b"set mtdparts= to configure partitions", 1 << 20) == []


def test_octal_as_the_kernel_reads_it() -> None:
    (table,) = find_tables(b"mtdparts=sfc:010k(boot),0(empty)", 1 << 20)
    assert table.problem is None
    assert table.partitions == (Partition("boot", 0, 8 << 10), Partition("empty", 8 << 10, 0))


@pytest.mark.parametrize("token", [b"08", b"09", b"abc", b"x", b"0x", b"1" * 5000, b"0x" + b"f" * 17])
def test_a_number_the_kernel_would_not_read_is_a_problem(token: bytes) -> None:
    (table,) = find_tables(b"mtdparts=x:64k(a)," + token + b"(b)", 1 << 20)
    assert table.partitions == ()
    assert table.problem is not None
    assert "not a number" in table.problem or "64 bits" in table.problem
    assert len(table.problem) < 100


def test_offsets_too_large_for_64_bits() -> None:
    (table,) = find_tables(b"mtdparts=x:64k@0xffffffffffffffffG(a)", 1 << 20)
    assert table.problem is not None
    assert "64 bits" in table.problem
