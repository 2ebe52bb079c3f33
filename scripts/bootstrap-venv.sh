#!/bin/sh
# Create .venv with Python 3.11 and install the hash-pinned requirements-dev.lock into it.
# Called by make when the lock file is newer than the venv's stamp file.
set -eu
cd "$(dirname "$0")/.."

is_311() {
    "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' >/dev/null 2>&1
}

find_python() {
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 && is_311 "$candidate"; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

make_venv() {
    "$1" -m venv .venv
}

if [ -x .venv/bin/python ] && is_311 .venv/bin/python; then
    :
else
    if ! py=$(find_python); then
        found=$(python3 --version 2>&1 || echo "no python3")
        echo "cxm needs Python 3.11 (python3.11, or python3 being 3.11); found: $found." >&2
        echo "On Debian 12 it is the system python3; elsewhere install python3.11." >&2
        exit 1
    fi
    rm -rf .venv
    echo "cxm: creating .venv with $py ($("$py" --version 2>&1))"
    if ! make_venv "$py"; then
        rm -rf .venv
        # Debian and Ubuntu ship venv/ensurepip separately.
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
            echo "cxm: installing python3.11-venv with apt-get"
            DEBIAN_FRONTEND=noninteractive apt-get update -q
            DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3.11-venv
            make_venv "$py"
        else
            echo "cxm: '$py -m venv' failed; install your distribution's python3.11-venv package." >&2
            exit 1
        fi
    fi
fi

echo "cxm: installing requirements-dev.lock into .venv (hash-checked; the first time takes a while)"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes \
    -r requirements-dev.lock
touch .venv/.cxm-dev-installed
