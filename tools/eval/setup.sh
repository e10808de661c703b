#!/usr/bin/env bash
# Installs tools/eval/requirements.txt into <repo>/.venv-models (built by tools/models/setup.sh),
# idempotently: reinstalls only when the requirements file's sha256 changes (tools/pyvenv.sh).
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [[ ! -x "${repo_root}/.venv-models/bin/python" ]]; then
  bash "${repo_root}/tools/models/setup.sh"
fi
exec bash "${repo_root}/tools/pyvenv.sh" "${repo_root}/.venv-models" "${repo_root}/tools/eval/requirements.txt" .eval-requirements.sha256
