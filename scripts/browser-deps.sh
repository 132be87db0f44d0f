#!/usr/bin/env bash
# Install what the browser and print tests need (Debian's Chromium, a CJK font, Pango and
# poppler's pdftoppm) when missing.
# As root this installs them; otherwise it says loudly that browser tests will be skipped.
set -u
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
fc-list 2>/dev/null | grep -qiE "wenquanyi|wqy|noto sans cjk" || missing+=(fonts-wqy-microhei)
# The printed contact cards: WeasyPrint draws with Pango; the tests look at the PDF as PNG.
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0" || missing+=(libpangoft2-1.0-0)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing browser test dependencies: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null 2>&1 || true
  if apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; then exit 0; fi
  echo "!! apt-get install ${missing[*]} failed." >&2
else
  echo "!! Not root: cannot install ${missing[*]}." >&2
fi
echo "!! BROWSER TESTS WILL BE SKIPPED (missing: ${missing[*]})." >&2
exit 0
