#!/usr/bin/env bash
# The agent's client installs on its own: a fresh venv, `pip install ./clients/python`, an
# import, and none of the server's packages in `pip list` (.ci/run runs this).
set -euo pipefail
cd "$(dirname "$0")/.."
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
python3 -m venv "$home/venv"
"$home/venv/bin/pip" install --quiet ./clients/python
"$home/venv/bin/python" -c "import hindsight_client; hindsight_client.Hindsight, hindsight_client.AsyncHindsight"
if "$home/venv/bin/pip" list --format=freeze | grep -i -E '^(sqlalchemy|strawberry-graphql|numpy|hindsight)=='; then
  echo "check_client_install: the client pulled in server packages (above)" >&2
  exit 1
fi
echo "check_client_install: hindsight-client installs and imports without the server's packages"
"$home/venv/bin/pip" list --format=freeze | tr '\n' ' '; echo
