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
  python3-jieba  # its dict.txt: the dictionary for comment hot words (analytics/)
)

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
