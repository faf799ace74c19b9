#!/usr/bin/env bash
# Rebuilds wasm/dist/dctjpeg.{js,wasm} from scratch: Debian's libjpeg-turbo
# source package (pinned in libjpeg-turbo.pin) + the shim, with Debian's
# emscripten. Writes wasm/dist/STAMP (see stamp.mjs), which CI checks.
#
# --sanitize builds the same sources with AddressSanitizer + UBSan into
# build/wasm-sanitized/ (never shipped; `npm run fuzz -- --sanitized` runs it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=/dev/null
source "$here/libjpeg-turbo.pin"
sanitize=${1:-}
if [ "$sanitize" = --sanitize ]; then
  work="$root/build/wasm-sanitized-work"; out="$root/build/wasm-sanitized"
  # -O1 keeps ASan's reports readable; -fno-sanitize-recover turns the first report into an abort the fuzzer counts as a crash.
  opt="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all"
  extra="-sINITIAL_MEMORY=256MB"
else
  work="$root/build/wasm"; out="$here/dist"
  opt="-O3"
  extra="-sINITIAL_MEMORY=16MB"
fi
mkdir -p "$out"
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}

command -v emcc >/dev/null || { echo "emcc not found: apt-get install emscripten" >&2; exit 1; }

rm -rf "$work" && mkdir -p "$work/src" && cd "$work/src"
if [ -n "${LJT_SOURCE_DIR:-}" ]; then
  cp "$LJT_SOURCE_DIR"/${DEB_PACKAGE}_* .
else
  if ! apt-get source --download-only "$DEB_PACKAGE=${DEB_EPOCH:+$DEB_EPOCH:}$DEB_VERSION" >/dev/null 2>&1; then
    cat >&2 <<MSG
Could not fetch the Debian source package $DEB_PACKAGE=$DEB_VERSION.
Add a deb-src entry (e.g. /etc/apt/sources.list.d/debsrc.sources with
'Types: deb-src', 'URIs: http://deb.debian.org/debian', 'Suites: bookworm',
'Components: main', 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg'),
run apt-get update, or point LJT_SOURCE_DIR at a folder holding the .dsc and tarballs.
MSG
    exit 1
  fi
fi
upstream=${DEB_VERSION%-*}
check() { echo "$1  $2" | sha256sum -c --quiet - || { echo "checksum mismatch: $2" >&2; exit 1; }; }
check "$SHA256_DSC" "${DEB_PACKAGE}_${DEB_VERSION}.dsc"
check "$SHA256_ORIG" "${DEB_PACKAGE}_${upstream}.orig.tar.gz"
check "$SHA256_DEBIAN" "${DEB_PACKAGE}_${DEB_VERSION}.debian.tar.xz"
dpkg-source --no-check -x "${DEB_PACKAGE}_${DEB_VERSION}.dsc" ljt >/dev/null
for p in "$here"/patches/*.patch; do patch -d ljt -p1 --quiet < "$p"; done

mkdir -p "$work/ljt-build" && cd "$work/ljt-build"
# BEGIN FLAGS (hashed into the stamp)
CFLAGS_LIB="$opt -mbulk-memory"
emcmake cmake ../src/ljt -G "Unix Makefiles" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_FLAGS="$CFLAGS_LIB" -DWITH_SIMD=0 -DENABLE_SHARED=0 -DENABLE_STATIC=1 \
  -DWITH_TURBOJPEG=0 -DWITH_JAVA=0 -DWITH_ARITH_DEC=1 -DWITH_ARITH_ENC=0 >cmake.log
# emcmake's CMake check writes the host's size_t size; wasm32 has 4-byte size_t.
sed -i 's/^#define SIZEOF_SIZE_T .*/#define SIZEOF_SIZE_T  4/' jconfigint.h
make -j"$(nproc)" jpeg-static >make.log
emcc $opt -mbulk-memory -msimd128 -I. -I../src/ljt "$here/shim/dctjpeg.c" libjpeg.a \
  -o "$out/dctjpeg.js" \
  -sMODULARIZE=1 -sEXPORT_ES6=1 -sEXPORT_NAME=createDctJpeg \
  -sENVIRONMENT=web,worker -sDYNAMIC_EXECUTION=0 -sFILESYSTEM=0 \
  -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=2GB -sTOTAL_STACK=1MB \
  -sEXPORTED_FUNCTIONS=_dct_decode,_dct_decode_rgb,_dct_release,_dct_info,_dct_bands,_dct_stream_open,_dct_stream_buffer,_dct_stream_push,_dct_stream_run,_dct_stream_keep,_dct_stream_snapshot,_dct_stream_pending,_dct_last_kind,_dct_last_reason,_dct_last_detail,_dct_last_message,_dct_alloc_input,_dct_free,_dct_heap_in_use \
  -sEXPORTED_RUNTIME_METHODS=[] -sINCOMING_MODULE_JS_API=wasmBinary,instantiateWasm,locateFile \
  -sTEXTDECODER=2 -sSUPPORT_ERRNO=0 -sASSERTIONS=0 $extra
# END FLAGS
[ "$out" = "$here/dist" ] && node "$here/stamp.mjs" --write
ls -l "$out"
