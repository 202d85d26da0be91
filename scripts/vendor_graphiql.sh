#!/usr/bin/env bash
# Refresh the GraphiQL assets served from the package (src/hindsight/static/graphiql/).
# Nothing is fetched at run time: the page loads only these files, so it works offline and
# under `Content-Security-Policy: default-src 'self'`.
#
# Pinned versions: GraphiQL 3.8.3 is the last release with a browser (UMD) bundle (4.x is
# ESM-only, 5.x needs Monaco's web workers); React 18 is the last with UMD builds; the
# explorer plugin 3.2.5 is the one built for GraphiQL 3.8's @graphiql/react 0.28.
# Usage: scripts/vendor_graphiql.sh   (needs npm and python3; run from anywhere)
set -euo pipefail
PACKAGES=(react@18.3.1 react-dom@18.3.1 graphiql@3.8.3 @graphiql/plugin-explorer@3.2.5)
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/src/hindsight/static/graphiql"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
for package in "${PACKAGES[@]}"; do
  tarball=$(npm pack --silent "$package")
  name=${package%@*}; name=${name//\//-}; name=${name#@}
  mkdir -p "$name" && tar xzf "$tarball" -C "$name" --strip-components=1
done

rm -rf "$dest" && mkdir -p "$dest/fonts" "$dest/images" "$dest/licenses"
cp react/umd/react.production.min.js react-dom/umd/react-dom.production.min.js "$dest/"
cp graphiql/graphiql.min.js "$dest/graphiql.min.js"
cp graphiql-plugin-explorer/dist/index.umd.js "$dest/plugin-explorer.umd.js"
cp graphiql-plugin-explorer/dist/style.css "$dest/plugin-explorer.css"
cp react/LICENSE "$dest/licenses/react.LICENSE"
cp react-dom/LICENSE "$dest/licenses/react-dom.LICENSE"
cp graphiql/LICENSE "$dest/licenses/graphiql.LICENSE"
# The explorer's package ships no LICENSE file; it is MIT, as its package.json says and
# as GraphiQL's monorepo licence (the same file) states.
python3 - "$work/graphiql-plugin-explorer/package.json" "$dest/licenses" <<'PY'
import json, sys, pathlib
meta = json.loads(pathlib.Path(sys.argv[1]).read_text())
assert meta["license"] == "MIT", meta["license"]
src = pathlib.Path(sys.argv[2]) / "graphiql.LICENSE"
(pathlib.Path(sys.argv[2]) / "plugin-explorer.LICENSE").write_text(
    f"{meta['name']} {meta['version']}: license {meta['license']} (package.json)\n\n" + src.read_text())
PY

# GraphiQL's stylesheet embeds fonts and images as data: URIs, which `default-src 'self'`
# refuses: move each into a file of its own and point the stylesheet at it.
python3 - graphiql/graphiql.min.css "$dest" <<'PY'
import base64, hashlib, re, sys, pathlib
css, dest = pathlib.Path(sys.argv[1]).read_text(), pathlib.Path(sys.argv[2])
def extract(match):
    kind, data = match.group(2), base64.b64decode(match.group(3))
    name = f"{match.group(1)}s/{hashlib.sha256(data).hexdigest()[:16]}.{kind}"
    (dest / name).write_bytes(data)
    return f"url({name})"
css = re.sub(r"url\(data:(font|image)/(woff2?|ttf|png);base64,([A-Za-z0-9+/=]+)\)", extract, css)
assert "data:" not in css
(dest / "graphiql.min.css").write_text(css)
PY

{
  echo "Vendored by scripts/vendor_graphiql.sh on $(date -u +%F); do not edit by hand."
  for package in "${PACKAGES[@]}"; do echo "$package"; done
} > "$dest/VERSIONS"
ls -la "$dest"
