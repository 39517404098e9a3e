#!/bin/sh
# Rebuilds the hostile squashfs fixtures of tests/test_bad_input.py (needs squashfs-tools).
# Run from this folder: sh make.sh
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
squash() { mksquashfs "$1" "$2" -comp gzip -all-time 0 -mkfs-time 0 -all-root -noappend -quiet -no-progress; }

# Links: absolute, escaping the root, climbing from a subdirectory, self-looping, a two-link loop, a good one.
src=$work/links
mkdir -p "$src/dir"
printf 'planted\n' > "$src/file.txt"
ln -s /etc/shadow "$src/absolute"
ln -s ../../../../../etc/passwd "$src/escaping"
ln -s ../../.. "$src/dir/up"
ln -s self "$src/self"
ln -s pong "$src/ping"
ln -s ping "$src/pong"
ln -s file.txt "$src/good"
find "$src" -exec touch -h -d @0 {} +
squash "$src" squashfs-links.sqfs

# Twenty text files of 2 KB each, stored uncompressed, so that cutting the image at 60% leaves the
# first files whole and the rest (and the tables at the end) broken.
src=$work/many
mkdir -p "$src"
i=0
while [ $i -lt 20 ]; do
  yes "cam nvr init rtsp planted $i" | head -c 2000 > "$src/file$i.txt"
  i=$((i + 1))
done
find "$src" -exec touch -h -d @0 {} +
mksquashfs "$src" squashfs-many.sqfs -noI -noD -noF -noX -all-time 0 -mkfs-time 0 -all-root -noappend \
  -quiet -no-progress
