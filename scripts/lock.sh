#!/bin/sh
# Regenerate requirements.lock, requirements-dev.lock and requirements-servers.lock from
# pyproject.toml / requirements-servers.in with uv, installed into a throwaway venv.
set -eu
cd "$(dirname "$0")/.."

py=python3.11
command -v "$py" >/dev/null 2>&1 || py=python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
"$py" -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check uv
uv="$tmp/venv/bin/uv"
# The same argument order as the commands recorded in the lock headers, so an unchanged
# pyproject.toml regenerates byte-identical files.
"$uv" pip compile --quiet pyproject.toml --python-version 3.11 --generate-hashes -o requirements.lock
"$uv" pip compile --quiet pyproject.toml --extra dev --python-version 3.11 --generate-hashes \
    -c requirements.lock -o requirements-dev.lock
"$uv" pip compile --quiet requirements-servers.in --python-version 3.11 --generate-hashes \
    -c requirements.lock -o requirements-servers.lock
echo "cxm: locks regenerated; commit requirements*.lock"
