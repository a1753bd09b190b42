#!/usr/bin/env bash
# Installs the Debian 12 packages Livecart needs to build, run and test.
# Idempotent: silent and quick when everything is already installed.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ccache git
  libboost1.81-dev libboost-json1.81-dev libboost-program-options1.81-dev
  libsimdjson-dev libssl-dev libspdlog-dev libsqlite3-dev libhiredis-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-nice gstreamer1.0-tools
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  ffmpeg
  redis-server  # the scale-out tests start their own (tests/support/redis_server)
  python3-jieba  # its dict.txt: the dictionary for comment hot words (analytics/)
  chromium fonts-noto-cjk  # the browser tests of the pages (tests/web), with Chinese glyphs
)
# Node.js and npm build the pages (web/): Debian's nodejs and npm, unless a node with npm is
# already there (e.g. a NodeSource nodejs, which bundles npm and conflicts with Debian's).
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
