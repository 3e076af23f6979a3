#!/bin/sh
# Trunk post-build hook (Trunk.toml): writes into the built site's sw.js its build id and the
# list of files to cache at install (www/sw.js explains the caching). The id is a checksum of
# every built file, so any change to the site gives a new id, a new cache name, and the old
# build's cache is dropped. Lists every file of the site except sw.js itself, the precompressed
# .gz/.br copies (a browser asks for the plain name) and the data/ link (the data has its own
# cache, filled as the workers read it). POSIX sh, find, cksum, sed: no other tool needed.
# Usage: sh scripts/sw-precache.sh DIR   (DIR: trunk's staging folder, or a built dist/)
set -eu
dir="${1:-${TRUNK_STAGING_DIR:?give the built site folder}}"
sw="$dir/sw.js"
[ -f "$sw" ] || { echo "sw-precache: no sw.js in $dir" >&2; exit 1; }
cd "$dir"
files=$(find . -type f ! -name sw.js ! -name '*.gz' ! -name '*.br' | sed 's|^\./||' | LC_ALL=C sort)
build=$(for f in $files; do printf '%s ' "$f"; cksum < "$f"; done | cksum | cut -d' ' -f1)
list=$(for f in $files; do printf "'%s', " "$f"; done | sed 's/, $//')
sed -e "s|^const BUILD = .*|const BUILD = '$build';|" -e "s|^const PRECACHE = .*|const PRECACHE = [$list];|" sw.js > sw.js.tmp
mv sw.js.tmp sw.js
echo "sw-precache: build $build, $(echo "$files" | wc -l | tr -d ' ') files to cache at install"
