#!/usr/bin/env bash
# Re-vendor MiniSearch (the site's in-page search) from the npm registry:
#   bash src/ppml_cli/site/vendor-minisearch.sh [VERSION]   (default: the newest release)
# Writes static/vendor/minisearch/{minisearch.js,LICENSE.txt,VERSION}; needs npm. Commit the three files.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest="$here/static/vendor/minisearch"
version="${1:-$(npm view minisearch version)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "minisearch@$version" --silent >/dev/null && tar xzf "minisearch-$version.tgz")
mkdir -p "$dest"
# The UMD build defines window.MiniSearch; its source-map comment points at a file not shipped.
grep -v '^//# sourceMappingURL=' "$work/package/dist/umd/index.js" >"$dest/minisearch.js"
cp "$work/package/LICENSE.txt" "$dest/LICENSE.txt"
{
    echo "minisearch $version (npm registry, dist/umd/index.js, MIT licence)"
    echo "sha256 of the file as published: $(sha256sum "$work/package/dist/umd/index.js" | cut -d' ' -f1)"
} >"$dest/VERSION"
echo "vendored minisearch $version into $dest"
