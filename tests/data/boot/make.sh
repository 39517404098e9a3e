#!/bin/sh
# Rebuilds the uImage and gzip test data with u-boot-tools (mkimage) and gzip.
# Run from this folder: sh make.sh
set -eu
export SOURCE_DATE_EPOCH=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

i=0
while [ $i -lt 300 ]; do echo "Linux version 4.9.37 (builder@hikbuild) line $i"; i=$((i + 1)); done > kernel.txt
gzip -n -9 -c kernel.txt > kernel.txt.gz

# A kernel image as U-Boot boots it: gzip payload, header says gzip.
mkimage -q -A arm -O linux -T kernel -C gzip -a 0x80008000 -e 0x80008000 -n "Linux-4.9.37" -d kernel.txt.gz kernel.uimg
# A multi-file image: a gzip'd kernel and a raw blob, 4-byte aligned one after the other.
printf 'ramdisk blob\n' > "$work/ramdisk.bin"
mkimage -q -A mips -O linux -T multi -C none -n "multi" -d "kernel.txt.gz:$work/ramdisk.bin" multi.uimg

# U-Boot environments as U-Boot stores them: CRC32, then NUL-ended variables, padded with 0xff
# (-p 255) to CONFIG_ENV_SIZE; -r adds the flag byte of a redundant environment.
printf 'bootargs=mem=64M console=ttyAMA0,115200 root=/dev/mtdblock3 mtdparts=hi_sfc:256k(boot),64k(env),2m(kernel),-(rootfs)\nbootcmd=sf probe 0;sf read 0x82000000 0x50000 0x200000;bootm 0x82000000\nserverip=192.168.1.107\nethaddr=00:12:41:aa:bb:cc\n' > "$work/env.txt"
mkenvimage -s 0x10000 -p 255 -o env.bin "$work/env.txt"
mkenvimage -r -s 0x10000 -p 255 -o env-redundant.bin "$work/env.txt"

# An Allwinner eGON boot0 image (the header the boot ROM checks: magic, length, checksum) over a
# stand-in SPL of 1,000 bytes, padded by mkimage.
head -c 1000 kernel.txt > "$work/spl.bin"
mkimage -q -A arm -T sunxi_egon -d "$work/spl.bin" boot0.egon
