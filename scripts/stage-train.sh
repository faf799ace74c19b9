#!/usr/bin/env bash
# Packs ../shared/data/imagenette-224/train (99 MB) into build/stage/train-{1,2}.tar, each
# under the device tool's 64 MiB per-call limit together with the working tree, to be
# carried in two back-to-back calls (files carried earlier stay on the warm machine).
set -euo pipefail
cd "$(dirname "$0")/.."
src=../shared/data/imagenette-224
out=build/stage
rm -rf "$out" && mkdir -p "$out"
mapfile -t classes < <(ls "$src/train")
half=$(( (${#classes[@]} + 1) / 2 ))
tar -C "$src" -cf "$out/train-1.tar" classes.tsv $(printf 'train/%s ' "${classes[@]:0:$half}")
tar -C "$src" -cf "$out/train-2.tar" $(printf 'train/%s ' "${classes[@]:$half}")
ls -l "$out"
