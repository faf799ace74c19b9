#!/usr/bin/env bash
# System packages the tests need on a fresh Debian 12 machine (Node 20 + npm assumed):
# Debian's Chromium, Firefox ESR and WebKitGTK (MiniBrowser under Xvfb) for the browser tests (playwright-core,
# puppeteer-core, selenium-webdriver with WebKitWebDriver; no browser
# download), native libjpeg-turbo + its tools as the reference the WASM decoder is
# checked against, ImageMagick to generate test files, NumPy to read the CLI's .npy, Pillow for training data,
# PyTorch (CPU) for the training half of the networks.
# The committed wasm/dist needs no emscripten; `npm run build:wasm` does (see README).
set -euo pipefail
packages=(chromium firefox-esr webkit2gtk-driver xvfb mesa-vulkan-drivers libjpeg-turbo-progs libjpeg62-turbo-dev imagemagick gcc libc6-dev python3 python3-numpy python3-pil python3-torch)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-debian: all packages present"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
