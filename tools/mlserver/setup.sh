#!/usr/bin/env bash
# Creates or refreshes <repo>/.venv-mlserver from tools/mlserver/requirements.txt (see tools/pyvenv.sh).
# The Go tests of the remote backend start MLServer from it on loopback; they skip with a hint when it
# is missing.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
exec bash "${repo_root}/tools/pyvenv.sh" "${repo_root}/.venv-mlserver" "${repo_root}/tools/mlserver/requirements.txt"
