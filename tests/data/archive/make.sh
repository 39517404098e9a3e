#!/bin/sh
# Rebuilds the archive and container test files in this folder from a small source tree made here.
# Tools (Debian bookworm): Info-ZIP zip 3.0, GNU tar 1.34, GNU cpio 2.13, mtd-utils 2.1.5
# (mkfs.ubifs, ubinize), u-boot-tools 2023.01 (mkimage), device-tree-compiler 1.6.1 (dtc), python3.
# The device node and FIFO need root: the script re-runs itself under fakeroot when not root.
set -eu
if [ "$(id -u)" != 0 ]; then exec fakeroot "$0" "$@"; fi
cd "$(dirname "$0")"
export SOURCE_DATE_EPOCH=315532800 LC_ALL=C TZ=UTC
umask 022

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src=$work/src

# The source tree: text files, a nested directory, a symlink, a hard link, a device node, a FIFO and
# an empty directory. Every time stamp is 1980-01-01 (zip cannot store earlier dates).
mkdir -p "$src/etc/init.d" "$src/bin" "$src/dev" "$src/var/empty" "$src/www/cgi-bin"
printf 'root:x:0:0:root:/root:/bin/sh\nadmin:x:1000:1000::/home/admin:/bin/sh\n' > "$src/etc/passwd"
printf '#!/bin/sh\nntpd -p pool.ntp.org\n/bin/ipcam &\n' > "$src/etc/init.d/rcS"
i=0
: > "$src/bin/busybox"
while [ $i -lt 400 ]; do
    printf 'BusyBox v1.31.1 applet %d: built-in shell (ash)\n' "$i" >> "$src/bin/busybox"
    i=$((i + 1))
done
ln "$src/bin/busybox" "$src/bin/ls"
ln -s busybox "$src/bin/sh"
printf '<html><body>IP Camera</body></html>\n' > "$src/www/index.html"
printf '#!/bin/sh\necho "Content-Type: text/plain"\n' > "$src/www/cgi-bin/status.cgi"
mknod "$src/dev/console" c 5 1
mkfifo "$src/var/log.fifo"
chmod 0755 "$src/etc/init.d/rcS" "$src/www/cgi-bin/status.cgi"
find "$src" -exec touch -h -d @315532800 {} +

# zip: names from a sorted list, no extra fields (-X), symlinks stored as links (-y), the HTML file
# stored (-n .html), the rest deflated. Special files are left out: zip cannot hold them.
(cd "$src" && find . ! -type c ! -type p ! -name . | sort | zip -q -X -y -n .html -@ "$work/tree.zip")
cp "$work/tree.zip" tree.zip
# The same tree with bzip2 members and zip64 records forced (-fz).
(cd "$src" && find . -type f | sort | zip -q -X -fz -Z bzip2 -@ "$work/tree64.zip")
cp "$work/tree64.zip" tree64.zip

# zip written on Windows: create_system 0 and backslashes in the names.
python3 - <<'PY'
import zipfile
with zipfile.ZipFile("windows.zip", "w", zipfile.ZIP_DEFLATED) as zf:
    for name, text in ((r"config\network.ini", b"[net]\nntp=time.windows.com\n"), (r"readme.txt", b"hello\n")):
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.create_system = 0
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, text)
PY

# tar, GNU and pax formats, reproducible.
tar_opts="--sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner"
tar $tar_opts --format=gnu -cf tree.tar -C "$src" .
tar $tar_opts --format=pax --pax-option=delete=atime,delete=ctime -cf tree-pax.tar -C "$src" .

# cpio newc, crc and odc; names from a sorted list.
for fmt in newc crc odc; do
    (cd "$src" && find . | sort | cpio -o --quiet --reproducible -H "$fmt" > "$work/tree.$fmt.cpio")
    cp "$work/tree.$fmt.cpio" "tree.$fmt.cpio"
done

# UBIFS on NOR-like flash (16 KiB erase blocks, 1-byte I/O): one image with LZO, and a UBI image
# (ubinize) with two volumes: the same tree as UBIFS with zlib, and a small raw (static) volume.
mkfs.ubifs -q -m 1 -e 16256 -c 64 -x lzo -r "$src" -o tree.ubifs
mkfs.ubifs -q -m 1 -e 16256 -c 64 -x zlib -r "$src" -o "$work/rootfs.ubifs"
# mkfs.ubifs has no option for a fixed UUID, and copies each file's atime and ctime (which no tool
# can set): zero the UUID, give every inode its mtime for all three times, and fix the node CRCs.
python3 - tree.ubifs "$work/rootfs.ubifs" <<'PY'
import re, struct, sys, zlib
def crc(b):
    return ~zlib.crc32(b) & 0xFFFFFFFF
for path in sys.argv[1:]:
    img = bytearray(open(path, "rb").read())
    for m in re.finditer(re.escape(bytes.fromhex("31181006")), img):
        pos = m.start()
        length, kind = struct.unpack_from("<IB", img, pos + 16)
        if not 24 <= length <= len(img) - pos or crc(img[pos + 8 : pos + length]) != struct.unpack_from("<I", img, pos + 4)[0]:
            continue
        if kind == 6:  # superblock: the UUID is 16 bytes at 84 into the body
            img[pos + 24 + 84 : pos + 24 + 100] = bytes(16)
        elif kind == 0:  # inode: atime, ctime, mtime seconds at 32, 40, 48 into the body; nsec after
            mtime = img[pos + 24 + 48 : pos + 24 + 56]
            img[pos + 24 + 32 : pos + 24 + 48] = mtime * 2
            img[pos + 24 + 56 : pos + 24 + 68] = bytes(12)
        else:
            continue
        struct.pack_into("<I", img, pos + 4, crc(img[pos + 8 : pos + length]))
    open(path, "wb").write(img)
PY
printf 'mtdparts=hi_sfc:256k(boot),3m(kernel),-(rootfs)\n' > "$work/env.txt"
cat > "$work/ubinize.cfg" <<CFG
[rootfs]
mode=ubi
image=$work/rootfs.ubifs
vol_id=0
vol_type=dynamic
vol_name=rootfs
vol_flags=autoresize
[env]
mode=ubi
image=$work/env.txt
vol_id=1
vol_type=static
vol_name=env
CFG
ubinize -o tree.ubi -p 16KiB -m 1 -Q 1234 "$work/ubinize.cfg"

# FIT: a kernel (gzip) and a ramdisk (the newc cpio, gzip), with crc32 and sha1 hashes; the same with
# external data (mkimage -E); and a plain device tree with no /images node.
printf 'Linux version 4.9.37 (builder@hisilicon) #1 SMP\n' > "$work/Image"
gzip -9 -n -c "$work/Image" > "$work/Image.gz"
gzip -9 -n -c tree.newc.cpio > "$work/ramdisk.gz"
cat > "$work/fit.its" <<ITS
/dts-v1/;
/ {
    description = "test camera FIT";
    #address-cells = <1>;
    images {
        kernel-1 {
            description = "kernel";
            data = /incbin/("$work/Image.gz");
            type = "kernel";
            arch = "arm";
            os = "linux";
            compression = "gzip";
            load = <0x80008000>;
            entry = <0x80008000>;
            hash-1 { algo = "crc32"; };
        };
        ramdisk-1 {
            description = "initramfs";
            data = /incbin/("$work/ramdisk.gz");
            type = "ramdisk";
            arch = "arm";
            os = "linux";
            compression = "gzip";
            hash-1 { algo = "sha1"; };
        };
    };
    configurations {
        default = "conf-1";
        conf-1 { kernel = "kernel-1"; ramdisk = "ramdisk-1"; };
    };
};
ITS
mkimage -q -f "$work/fit.its" fit.itb
mkimage -q -E -f "$work/fit.its" fit-external.itb
cat > "$work/board.dts" <<DTS
/dts-v1/;
/ {
    model = "Test IPC board";
    compatible = "hisilicon,hi3516ev300";
    memory@80000000 { device_type = "memory"; reg = <0x80000000 0x4000000>; };
};
DTS
dtc -q -I dts -O dtb -o board.dtb "$work/board.dts"
# A router's device tree as OpenWrt writes it for a TP-Link board: its model is the board's, not the builder's.
cat > "$work/router.dts" <<DTS
/dts-v1/;
/ {
    model = "TP-Link TL-WR841N v11";
    compatible = "tplink,tl-wr841-v11", "qca,qca9533";
    memory@0 { device_type = "memory"; reg = <0x0 0x2000000>; };
};
DTS
dtc -q -I dts -O dtb -o router.dtb "$work/router.dts"
