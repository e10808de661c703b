#!/usr/bin/env bash
# Installs tools/eval/requirements.txt into <repo>/.venv-models (built by tools/models/setup.sh),
# idempotently: reinstalls only when the requirements file's sha256 changes.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${repo_root}/.venv-models"
requirements="${repo_root}/tools/eval/requirements.txt"

if [[ ! -x "${venv}/bin/python" ]]; then
  bash "${repo_root}/tools/models/setup.sh"
fi
want="$(sha256sum "${requirements}" | cut -d' ' -f1)"
have="$(cat "${venv}/.eval-requirements.sha256" 2>/dev/null || true)"
if [[ "${have}" == "${want}" ]]; then
  echo "eval/setup: ${venv} already has tools/eval/requirements.txt"
  exit 0
fi
echo "eval/setup: installing tools/eval/requirements.txt into ${venv} (sha256 ${want:0:12})"
"${venv}/bin/python" -m pip install --quiet --disable-pip-version-check -r "${requirements}"
echo "${want}" > "${venv}/.eval-requirements.sha256"
