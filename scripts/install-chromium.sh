#!/usr/bin/env bash
# Installs what the console's browser tests need, only when missing:
# Debian's chromium (driven headless by chromedp in
# server/stack/consoletest) and a CJK font so that Chinese renders in the
# screenshots. Needs root (or sudo) when something is missing; does
# nothing otherwise. CI runs it before `make test`.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
if ! fc-list 2>/dev/null | grep -qiE 'Noto (Sans|Serif) CJK|WenQuanYi'; then
  need+=(fonts-noto-cjk)
fi
[ ${#need[@]} -eq 0 ] && { echo "chromium and a CJK font are installed"; exit 0; }

sudo=
[ "$(id -u)" -ne 0 ] && sudo=sudo
echo "installing: ${need[*]}"
$sudo apt-get update
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${need[@]}"
