#!/usr/bin/env bash
# Installs espeak-ng (the Debian/Ubuntu package "espeak-ng"), which `./recur example speech` uses to synthesise
# its spoken digits. Does nothing when espeak-ng is already on the PATH. Installs with apt-get when it can
# (root, or sudo without a password); otherwise prints the command to run and exits 1.
# Usage: tools/install-espeak-ng.sh [--check]   (--check: only report, install nothing)
set -euo pipefail
if command -v espeak-ng >/dev/null 2>&1; then
  exit 0
fi
if [ "${1:-}" = "--check" ]; then
  echo "install-espeak-ng: espeak-ng is not installed" >&2
  exit 1
fi
hint() {
  echo "install-espeak-ng: cannot install espeak-ng here; install the package yourself, e.g." >&2
  echo "    sudo apt-get install -y espeak-ng        (Debian/Ubuntu)" >&2
  echo "    sudo dnf install espeak-ng               (Fedora)" >&2
  echo "    brew install espeak-ng                   (macOS)" >&2
  exit 1
}
command -v apt-get >/dev/null 2>&1 || hint
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  hint
fi
echo "install-espeak-ng: installing the Debian package espeak-ng (apt-get) ..." >&2
export DEBIAN_FRONTEND=noninteractive
if ! "${as_root[@]}" apt-get install -y --no-install-recommends espeak-ng >&2; then
  "${as_root[@]}" apt-get update >&2 || true
  "${as_root[@]}" apt-get install -y --no-install-recommends espeak-ng >&2 || hint
fi
command -v espeak-ng >/dev/null 2>&1 || hint
echo "install-espeak-ng: installed $(espeak-ng --version 2>/dev/null | head -1)" >&2
