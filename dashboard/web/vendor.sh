#!/bin/sh
# vendor.sh copies the dashboard's browser libraries from
# dashboard/web/node_modules (installed from package-lock.json by `npm ci`)
# into dashboard/static/vendor, which the binary embeds. The copies are
# the packages' own files, byte for byte, so the step is reproducible:
# CI runs `make assets` and fails when git sees a difference.
#
# Run from anywhere: sh dashboard/web/vendor.sh (or make assets, which runs
# npm ci first; or go generate ./dashboard/).
set -eu
web=$(cd "$(dirname "$0")" && pwd)
out="$web/../static/vendor"
mod="$web/node_modules"
if [ ! -d "$mod/uplot" ]; then
	echo "vendor.sh: $mod/uplot is missing; run: (cd dashboard/web && npm ci)" >&2
	exit 1
fi
rm -rf "$out"
mkdir -p "$out/uplot"
cp "$mod/uplot/dist/uPlot.esm.js" "$mod/uplot/dist/uPlot.min.css" "$out/uplot/"
cp "$mod/uplot/LICENSE" "$out/uplot/LICENSE.txt"
version=$(node -p "require('$mod/uplot/package.json').version")
printf 'uplot %s (MIT), from dashboard/web/package-lock.json\n' "$version" > "$out/VERSIONS.txt"
echo "vendor.sh: uplot $version -> dashboard/static/vendor/uplot"
