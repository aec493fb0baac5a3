#!/usr/bin/env bash
# Installs what hourglass needs on this machine: the Fashion-MNIST files
# (Debian's dataset-fashion-mnist where apt-get exists, else a verified
# download into the user cache), OpenBLAS for gonum (libopenblas-dev),
# Chromium for the report's browser test, and the Go modules. Safe to run
# again.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
have_data() { go run ./cmd/hourglass data verify --quiet >/dev/null 2>&1; }

if command -v apt-get >/dev/null 2>&1; then
  for pkg in dataset-fashion-mnist libopenblas-dev chromium gcc; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
  done
fi

if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing ${need_apt[*]} with apt-get"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

echo "setup: downloading Go modules and the pinned linters"
go mod download
make -s lint-tools >/dev/null

if ! have_data; then
  echo "setup: Fashion-MNIST not found; downloading it into the user cache"
  go run ./cmd/hourglass data fetch
fi
go run ./cmd/hourglass data verify
