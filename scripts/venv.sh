#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment in .venv with a Python >= 3.12
# found on this machine, and install the package with its test extras.
# Prints nothing but pip's errors when the environment is already up to date.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${POWERCRUD_SIGNALS_VENV:-.venv}
EXTRAS=${POWERCRUD_SIGNALS_EXTRAS:-test,metrics,dev}

is_new_enough() {
    "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}

find_python() {
    local candidate
    # PATH first (a pyenv shim that cannot run its version fails the probe and is skipped),
    # then every interpreter pyenv has installed, newest first.
    for candidate in python3.13 python3.12 python3; do
        if command -v "$candidate" >/dev/null 2>&1 && is_new_enough "$candidate"; then
            command -v "$candidate"; return 0
        fi
    done
    local root
    root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
    if [ -d "$root/versions" ]; then
        for candidate in $(ls -1 "$root/versions" | sort -t. -k1,1nr -k2,2nr -k3,3nr); do
            if [ -x "$root/versions/$candidate/bin/python3" ] && is_new_enough "$root/versions/$candidate/bin/python3"; then
                echo "$root/versions/$candidate/bin/python3"; return 0
            fi
        done
    fi
    return 1
}

if [ ! -x "$VENV/bin/python" ] || ! is_new_enough "$VENV/bin/python"; then
    if ! PYTHON=$(find_python); then
        echo "powercrud-signals needs Python >= 3.12 (PowerCRUD requires it); none was found on PATH or under pyenv." >&2
        exit 1
    fi
    echo "Creating $VENV with $PYTHON ($("$PYTHON" --version 2>&1))"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
fi

# Reinstall only when the dependency declaration changed.
stamp="$VENV/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)-$EXTRAS"
if [ ! -e "$stamp" ]; then
    echo "Installing powercrud-signals[$EXTRAS] into $VENV"
    log="$VENV/pip-install.log"
    if ! "$VENV/bin/python" -m pip install --disable-pip-version-check -e ".[${EXTRAS}]" >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        echo "pip install failed; full log in $log" >&2
        exit 1
    fi
    rm -f "$VENV"/.installed-*
    touch "$stamp"
fi
