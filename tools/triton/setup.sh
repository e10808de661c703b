#!/usr/bin/env bash
# Creates or refreshes <repo>/.venv-triton (Triton's Python client, tritonclient) from
# tools/triton/requirements.txt; see tools/pyvenv.sh.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
exec bash "${repo_root}/tools/pyvenv.sh" "${repo_root}/.venv-triton" "${repo_root}/tools/triton/requirements.txt"
