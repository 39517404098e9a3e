#!/bin/sh
# Rebuilds every file in this folder from scratch. Run from anywhere: sh tests/data/vendor/make.sh
# Needs squashfs-tools, util-linux (mkfs.cramfs) and u-boot-tools (mkimage); the vendor containers
# are written by the project's own writers (firmware_audit.writers), which the tests check.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
python=${PYTHON:-$repo/.venv/bin/python}
export PYTHONPATH="$repo" TZ=UTC
umask 022
# mkfs.cramfs records owners as they are on disk; fakeroot makes them root when not run as root.
root=""
[ "$(id -u)" = 0 ] || root=fakeroot

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# -- source trees: a few small text files, a symlink, a nested directory -----------------------------
mkdir -p romfs/etc/init.d romfs/bin user/app/lib
printf 'root:$1$abcdefgh$0123456789abcdefghijk.:0:0:root:/root:/bin/sh\n' > romfs/etc/passwd
printf '#!/bin/sh\necho romfs start\n' > romfs/etc/init.d/rcS
printf 'busybox stand-in\n' > romfs/bin/busybox
ln -s busybox romfs/bin/sh
printf 'Sofia stand-in: ntp=pool.ntp.org\n' > user/app/Sofia
printf 'libstand-in\n' > user/app/lib/libdvr.so
ln -s lib/libdvr.so user/app/libdvr.so.1
chmod 0755 romfs/etc/init.d/rcS romfs/bin/busybox user/app/Sofia
find romfs user -exec touch -h -d @0 {} +

# -- filesystems and their uImage wrappers (mkimage, as vendors build them) ---------------------------
mksquashfs romfs romfs.squashfs -all-time 0 -mkfs-time 0 -all-root -noappend -no-xattrs -nopad -quiet -no-progress
$root mkfs.cramfs -n user user user.cramfs >/dev/null
cp romfs.squashfs user.cramfs "$here/"
SOURCE_DATE_EPOCH=0 mkimage -A arm -O linux -T filesystem -C none -n romfs -d romfs.squashfs "$here/romfs.img" >/dev/null
SOURCE_DATE_EPOCH=0 mkimage -A arm -O linux -T filesystem -C none -n user -d user.cramfs "$here/user.img" >/dev/null
SOURCE_DATE_EPOCH=0 mkimage -A arm -O linux -T multi -C none -n multi -d romfs.squashfs:user.cramfs \
    "$here/multi.img" >/dev/null
# The lie Xiongmai images tell: a header that says gzip over a raw squashfs.
SOURCE_DATE_EPOCH=0 mkimage -A arm -O linux -T standalone -C gzip -n romfs -d romfs.squashfs "$here/gzip-lie.img" >/dev/null

cd "$here"
w() { mod=$1; shift; "$python" -m "firmware_audit.writers.$mod" "$@"; }

# -- Hikvision digicap.dav --------------------------------------------------------------------------
w digicap -o digicap.dav --device-class 0x30 --oem-code 1 --version 0x05050000 --text IPC_G1 \
    hroot.img=romfs.img user.img=user.img
w digicap -o digicap-clear.dav --clear --order size-offset --magic 02KH \
    hroot.img=romfs.img user.img=user.img
# Cut inside the file table: the header says 152 bytes, only 100 are there.
head -c 100 digicap.dav > digicap-cut.dav

# -- Dahua DH-zip -----------------------------------------------------------------------------------
printf 'Install stand-in\n' > "$work/Install"
w dahua -o dahua.bin Install="$work/Install" romfs-x.squashfs.img=romfs.img user-x.cramfs.img=user.img
w dahua -o dahua-every.bin --every-header --compression stored \
    Install="$work/Install" romfs-x.squashfs.img=romfs.img user-x.cramfs.img=user.img

# -- Xiongmai General bin: the romfs member's name says cramfs, it holds squashfs under a gzip lie ----
w xiongmai -o General_TEST_IPC_HI3518EV300_V5.00.R02.bin --install "$work/Install" \
    romfs-x.cramfs.img=gzip-lie.img user-x.cramfs.img=user.img

# -- Reolink PAK, 32-bit and 64-bit (with the empty spare slots some images have) ------------------
head -c 512 /dev/zero | tr '\0' 'U' > "$work/uboot"
w reolink -o reolink.pak --version fs=v3.0.0.1 uboot1="$work/uboot" fs=romfs.img app=user.img
w reolink -o reolink64.pak --64 --spare-slots 3 uboot1="$work/uboot" fs=romfs.img app=user.img
