#!/usr/bin/env bash
# make lint: every translatable text in the code has an English translation in the catalogue.
# Re-collects the texts (as `make messages` does) into a copy, then lists the untranslated and
# fuzzy entries; the catalogues in the tree are left as they were.
set -euo pipefail
cd "$(dirname "$0")/.."
backup=$(mktemp -d)
trap 'cp -a "$backup"/locale/. locale/; rm -rf "$backup"' EXIT
mkdir -p "$backup/locale" && cp -a locale/. "$backup/locale/"
make --no-print-directory -s messages >/dev/null
missing=0
for po in locale/*/LC_MESSAGES/*.po; do
  untranslated=$(msgattrib --untranslated --no-obsolete "$po" | grep -c '^msgid "' || true)
  fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$po" | grep -c '^msgid "' || true)
  # msgattrib prints the header entry (msgid "") when it prints anything.
  [ "$untranslated" -gt 0 ] && untranslated=$((untranslated - 1))
  [ "$fuzzy" -gt 0 ] && fuzzy=$((fuzzy - 1))
  if [ "$untranslated" -gt 0 ] || [ "$fuzzy" -gt 0 ]; then
    echo "$po: $untranslated untranslated, $fuzzy fuzzy:"
    { msgattrib --untranslated --no-obsolete "$po"; msgattrib --only-fuzzy --no-obsolete "$po"; } \
      | grep '^msgid "' | grep -v '^msgid ""$' | head -20 || true
    missing=1
  fi
done
if [ "$missing" -ne 0 ]; then
  echo "Run 'make messages', translate the new entries in locale/*/LC_MESSAGES/*.po, then 'make'."
  exit 1
fi
echo "catalogues complete"
