#!/bin/sh
# Rebuilds every file in this folder with the standard tools (see README.md for what each shows).
# Tools used: gzip 1.12, bzip2 1.0.8, xz 5.4.1, lz4 1.9.4, zstd 1.5.4 (Debian bookworm).
set -eu
cd "$(dirname "$0")"
export LC_ALL=C

# Two small texts, like a kernel log and a shell script, generated so the folder is self-contained.
i=0
: > a.txt
while [ $i -lt 300 ]; do
    printf '[%5d.000000] cam: init stage %d ok\n' "$i" "$i" >> a.txt
    i=$((i + 1))
done
: > b.txt
i=0
while [ $i -lt 200 ]; do
    printf 'echo "step %d" >> /var/log/start.log\n' "$i" >> b.txt
    i=$((i + 1))
done

bzip2 -9 -c a.txt > a.txt.bz2
xz -6 -c a.txt > a.txt.xz
xz --format=lzma -6 -c a.txt > a.txt.lzma
# lc=1 lp=2 pb=2: OpenWrt's kernels and initramfs (`Build/lzma` in include/image-commands.mk)
xz --format=lzma --lzma1=preset=6,lc=1,lp=2,pb=2 -c a.txt > a.txt.lc1lp2pb2.lzma
lz4 -9 -q -f --content-size a.txt a.txt.lz4
lz4 -l -9 -q -f a.txt a.txt.legacy.lz4
zstd -19 -q -f --no-progress a.txt -o a.txt.zst

# A gzip member, an xz stream and 1000 bytes of erased flash, one after the other: carved as a blob.
gzip -9 -n -c a.txt > a.txt.gz
xz -6 -c b.txt > b.txt.xz
{ cat a.txt.gz b.txt.xz; head -c 1000 /dev/zero | tr '\000' '\377'; } > concat.bin
rm a.txt.gz b.txt.xz
