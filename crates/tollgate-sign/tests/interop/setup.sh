#!/usr/bin/env bash
# Makes the Python that tests/interop.rs drives: a virtual environment under target/ with the
# independent RFC 9421 implementation it checks tollgate-sign against,
# http-message-signatures 3.0.0, and its dependencies, every version pinned. Prints the
# interpreter's path, and only that, on standard output:
#
#     export TOLLGATE_INTEROP_PYTHON=$(crates/tollgate-sign/tests/interop/setup.sh)
#
# Idempotent: when the environment already has the pinned versions, it only prints the path.
# Needs python3 with the venv module (Debian: the python3-venv package). PYTHON overrides the
# interpreter the environment is made from.
set -euo pipefail
root=$(cd "$(dirname "$0")/../../../.." && pwd)
venv="$root/target/interop-venv"
python="$venv/bin/python"
pins=(http-message-signatures==3.0.0 cryptography==50.0.2 http-sf==1.5.0 cffi==2.1.1
    pycparser==3.12 typing_extensions==4.16.0)

installed() {
    "$python" - "${pins[@]}" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
import http_message_signatures  # noqa: F401
for pin in sys.argv[1:]:
    name, wanted = pin.split("==")
    assert version(name) == wanted, pin
PY
}

if ! [ -x "$python" ] || ! installed; then
    rm -rf "$venv"
    "${PYTHON:-python3}" -m venv "$venv" >&2
    "$python" -m pip install --quiet --disable-pip-version-check "${pins[@]}" >&2
    installed || { echo "setup.sh: ${pins[*]} did not install in $venv" >&2; exit 1; }
fi
echo "$python"
