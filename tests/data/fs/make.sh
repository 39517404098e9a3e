#!/bin/sh
# Rebuilds the filesystem test images in this folder from a small source tree made here.
# Needs: squashfs-tools (mksquashfs 4.5+), util-linux (mkfs.cramfs), mtd-utils (mkfs.jffs2),
# genext2fs, e2fsprogs (mke2fs 1.47), genromfs 0.5.2 and faketime (mke2fs 1.47.0 ignores SOURCE_DATE_EPOCH). Device nodes are made under fakeroot when not run as root.
set -eu
if [ "$(id -u)" != 0 ]; then exec fakeroot "$0" "$@"; fi
cd "$(dirname "$0")"
export SOURCE_DATE_EPOCH=0 LC_ALL=C TZ=UTC
umask 022

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src=$work/src

# The source tree: text files, a nested directory, a multi-block file (4 KiB blocks), an empty file,
# an empty directory, a symlink, a hard link, a device node, a FIFO and a non-UTF-8 (latin-1) name.
mkdir -p "$src/etc/init.d" "$src/bin" "$src/lib" "$src/dev" "$src/var/empty"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$src/etc/passwd"
printf '127.0.0.1 localhost\n' > "$src/etc/hosts"
ln "$src/etc/hosts" "$src/etc/hosts.hardlink"
printf '#!/bin/sh\necho starting\n' > "$src/etc/init.d/rcS"
chmod 755 "$src/etc/init.d/rcS"
printf 'not really busybox\n' > "$src/bin/busybox"
ln -s busybox "$src/bin/sh"
seq 1 3000 > "$src/lib/numbers.txt"      # 13893 bytes: three 4 KiB blocks and a tail
: > "$src/empty"
printf 'caf\351\n' > "$src/caf$(printf '\351').txt"
mknod "$src/dev/console" c 5 1
mkfifo "$src/dev/initctl"
find "$src" -exec touch -h -d @0 {} +

squash() { env -u SOURCE_DATE_EPOCH mksquashfs "$@" -all-time 0 -mkfs-time 0 -all-root -noappend -quiet -no-progress; }

# squashfs 4.0 with every compressor, 4 KiB blocks so numbers.txt spans blocks. With xz, the
# tail of numbers.txt goes to a fragment too (-always-use-fragments); small files always do.
for comp in gzip lzma lzo lz4 zstd; do
    squash "$src" "squashfs-$comp.sqfs" -comp "$comp" -b 4096
done
squash "$src" squashfs-xz.sqfs -comp xz -b 4096 -always-use-fragments
# Metadata and data stored uncompressed: tests patch its directory table in place.
squash "$src" squashfs-plain.sqfs -noI -noD -noF -noX -b 4096

# Hostile symlinks: absolute, escaping the root, and pointing at itself.
links=$work/links
mkdir -p "$links/sub"
printf 'x\n' > "$links/sub/file"
ln -s /etc/passwd "$links/sub/absolute"
ln -s ../../../../etc/shadow "$links/sub/escape"
ln -s self "$links/sub/self"
find "$links" -exec touch -h -d @0 {} +
squash "$links" squashfs-links.sqfs -comp gzip

# cramfs in both byte orders.
mkfs.cramfs -N little -n fixture "$src" cramfs-le.img >/dev/null
mkfs.cramfs -N big -n fixture "$src" cramfs-be.img >/dev/null

# JFFS2 in both byte orders (zlib and uncompressed nodes), padded to an 8 KiB erase block.
mkfs.jffs2 -l -f -q -e 8192 -p -r "$src" -o jffs2-le.img
mkfs.jffs2 -b -f -q -e 8192 -p -r "$src" -o jffs2-be.img
# The other two JFFS2 codecs: rtime (zlib disabled) and LZO (zlib and rtime disabled), unpadded.
mkfs.jffs2 -l -f -q -e 8192 -x zlib -r "$src" -o jffs2-rtime.img
mkfs.jffs2 -b -f -q -e 8192 -X lzo -x zlib -x rtime -r "$src" -o jffs2-lzo.img

# ext2 (genext2fs) and ext4 (mke2fs -d, no journal to stay small), 1 KiB blocks.
genext2fs -f -U -B 1024 -b 64 -N 32 -d "$src" ext2.img
rm -f ext4.img
faketime -f '1970-01-01 00:00:00' mke2fs -q -F -t ext4 -b 1024 -N 32 -O ^has_journal -U 6c1fd0d2-3bd4-4bb4-9a2a-2c4b1f2d0001 \
    -E hash_seed=6c1fd0d2-3bd4-4bb4-9a2a-2c4b1f2d0002 -L fixture -d "$src" ext4.img 128

# romfs (genromfs): uncompressed, no times or owners to pin.
genromfs -f romfs.img -d "$src" -V fixture
