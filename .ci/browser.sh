#!/usr/bin/env bash
# The browser tests' browser: Debian's Chromium at /usr/bin/chromium, with CJK fonts so that Chinese
# pages render (and screenshot) as text, not boxes. Installs them when missing; Playwright never
# downloads a browser of its own.
set -euo pipefail

have_browser() {
  # grep without -q reads all of fc-list's output: with pipefail, an early exit would fail the pipe.
  [ -x /usr/bin/chromium ] && command -v fc-list >/dev/null && fc-list : family | grep -i "Noto Sans CJK" >/dev/null
}

have_browser && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "error: the browser tests need Chromium and CJK fonts; as root run:" >&2
  echo "  apt-get update && apt-get install -y chromium fonts-noto-cjk fontconfig" >&2
  exit 1
fi
echo "Installing Chromium and CJK fonts for the browser tests (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# fontconfig brings fc-list, which the check above uses.
apt-get install -y -qq chromium fonts-noto-cjk fontconfig >/dev/null
have_browser || { echo "error: Chromium or the Noto Sans CJK fonts are still missing after apt-get install" >&2; exit 1; }
