#!/bin/sh
# Rebuild the benign test files: ordinary programs, a kernel module and text files that no SDK or
# chip signature may match (tests/analyze/sdk/test_yara_rules.py, test_analyzer.py).
# Needs Debian's gcc-arm-linux-gnueabihf and gcc-mipsel-linux-gnu (gcc 12.2.0 made the committed files).
set -eu
cd "$(dirname "$0")"
flags="-Os -s -fno-ident -ffile-prefix-map=$(pwd)=. -Wl,--build-id=none"
arm-linux-gnueabihf-gcc $flags -o benign-arm benign.c
mipsel-linux-gnu-gcc $flags -o benign-mipsel benign.c
arm-linux-gnueabihf-gcc -Os -fno-ident -ffile-prefix-map="$(pwd)=." -c -o example_wdt.ko benign_mod.c
cat > os-release <<'TXT'
NAME="Example Linux"
VERSION="2024.02"
ID=example
PRETTY_NAME="Example Linux 2024.02"
HOME_URL="https://www.example.org/"
TXT
cat > inittab <<'TXT'
::sysinit:/etc/init.d/rcS
::respawn:/sbin/getty -L ttyS0 115200 vt100
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/umount -a -r
TXT
cat > rcS <<'TXT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
insmod /lib/modules/example_wdt.ko
ifconfig lo 127.0.0.1 up
/usr/sbin/benign-tool start
TXT
