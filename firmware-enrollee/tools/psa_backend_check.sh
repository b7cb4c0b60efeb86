#!/bin/bash
# Run every C test on the PSA Crypto backend against a given crypto library
# source tree, the way ESP-IDF ships it:
#   mbedTLS 3.6.x            (ESP-IDF 5.5)   an Mbed-TLS/mbedtls checkout
#   TF-PSA-Crypto 1.x        (ESP-IDF 6.0)   an Mbed-TLS/TF-PSA-Crypto checkout
# (each with its framework/ submodule). The library is built with cmake in a
# temporary folder, in its default configuration (not ESP-IDF's sdkconfig).
# usage: tools/psa_backend_check.sh SOURCE_TREE
set -eu
SRC=$(cd "${1:?SOURCE_TREE}" && pwd)
FW=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cmake -S "$SRC" -B "$WORK/lib" -DENABLE_TESTING=OFF -DENABLE_PROGRAMS=OFF -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$WORK/lib" -j"$(nproc)" >/dev/null
lib=$(find "$WORK/lib" -name 'libtfpsacrypto.a' -o -name 'libmbedcrypto.a' | head -1)
[ -n "$lib" ] || { echo "no crypto library built" >&2; exit 1; }
name=$(basename "$lib" .a)
incs="-I$SRC/include -I$WORK/lib/include"
[ -d "$SRC/drivers/builtin/include" ] && incs="$incs -I$SRC/drivers/builtin/include"
make -s -C "$FW" CRYPTO=psa BUILD="$WORK/build" EXTRA_CFLAGS="$incs" EXTRA_LDFLAGS="-L$(dirname "$lib")" \
    LDLIBS="-l${name#lib} -lcrypto" test
