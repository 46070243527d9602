#!/bin/sh
# Regenerate pwa/static/vendor/*.js: the npm libraries bundled as single, minified ES
# modules. Only needed when a library version in package.json changes; the built files
# are committed, so running the app (make run) never needs Node.js.
#   cd pwa && npm ci && npm run vendor
set -eu
cd "$(dirname "$0")/.."
out=static/vendor
mkdir -p "$out"
for entry in preact dexie; do
  node_modules/.bin/esbuild "vendor/$entry.js" --bundle --format=esm --minify \
    --target=es2020 --legal-comments=eof --outfile="$out/$entry.js"
done
ls -l "$out"
