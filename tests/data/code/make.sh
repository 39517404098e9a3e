#!/bin/sh
# Builds the ELF files of the disassembly tests (tests/analyze/test_code.py) from cloud.c.
# Needs Debian's gcc-aarch64-linux-gnu (bookworm: gcc 12.2.0). Reproducible: no build id, no
# .ident, file paths mapped, fixed flags.
set -eu
cd "$(dirname "$0")"
CFLAGS="-O1 -fno-ident -fno-asynchronous-unwind-tables -fno-stack-protector -ffile-prefix-map=$PWD=."
aarch64-linux-gnu-gcc $CFLAGS -fno-pie -no-pie -Wl,--build-id=none,-z,max-page-size=0x1000,-z,noseparate-code -o cloud-aarch64 cloud.c
aarch64-linux-gnu-gcc $CFLAGS -fPIC -pie -Wl,--build-id=none,-z,max-page-size=0x1000,-z,noseparate-code -s -o cloud-aarch64-pie-stripped cloud.c
