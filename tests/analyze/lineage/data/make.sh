#!/bin/sh
# Builds the lineage fixtures with Debian's ARM cross compiler (apt-get install gcc-arm-linux-gnueabi;
# the committed binaries were made with arm-linux-gnueabi-gcc 12.2.0 (Debian 12.2.0-14)).
#   maker_app_v1   version 1 of a maker's application: the reference build
#   maker_app_v2   version 2 of it (-DVERSION2: some functions changed, others added), stripped:
#                  the build under test
#   other_app      another vendor's program (corpus/src/clean_app.c): must match no maker
#   maker_lib_thumb.so  the same source as a shared library for armhf (apt-get install
#                  gcc-arm-linux-gnueabihf; arm-linux-gnueabihf-gcc 12.2.0 (Debian 12.2.0-14)), which
#                  builds Thumb-2 code by default: even entry point, Thumb code
set -eu
cd "$(dirname "$0")"
arm-linux-gnueabi-gcc -O2 -o maker_app_v1 maker_app.c
arm-linux-gnueabi-gcc -O2 -DVERSION2 -o maker_app_v2 maker_app.c
arm-linux-gnueabi-strip maker_app_v2
arm-linux-gnueabi-gcc -O2 -o other_app ../../../../corpus/src/clean_app.c
arm-linux-gnueabihf-gcc -O2 -shared -fPIC -o maker_lib_thumb.so maker_app.c
