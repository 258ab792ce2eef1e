#!/usr/bin/env sh
# Rebuilds web/vendor/ from npm: the Adaptive Cards renderer the emulator's
# page uses, with its licence notices. The files are committed so that the
# binary embeds them and `make run` needs neither npm nor a network; run
# this (make web-vendor) only to change the version in package.json.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --ignore-scripts
out=../vendor
rm -rf "$out"
mkdir -p "$out"
ac=node_modules/adaptivecards
cp "$ac/dist/adaptivecards.min.js" "$ac/dist/adaptivecards.min.js.LICENSE.txt" "$out/"
cp "$ac/LICENSE" "$out/LICENSE.adaptivecards"
# The minified bundle includes Swiper (the carousel element), MIT as well.
cp node_modules/swiper/LICENSE "$out/LICENSE.swiper"
version=$(node -p "require('./$ac/package.json').version")
cat > "$out/README.md" <<NOTE
Vendored by web/build/vendor.sh from npm: adaptivecards $version
(dist/adaptivecards.min.js, MIT, Copyright (c) 2017 Microsoft, see
LICENSE.adaptivecards; it bundles Swiper, MIT, see LICENSE.swiper, and the
notices of adaptivecards.min.js.LICENSE.txt). Do not edit; run make web-vendor.
NOTE
rm -rf node_modules
echo "vendored adaptivecards $version into $(cd "$out" && pwd)"
