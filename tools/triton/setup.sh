#!/usr/bin/env bash
# Creates or refreshes <repo>/.venv-triton from tools/triton/requirements.txt, idempotently: packages
# are (re)installed only when the requirements file's sha256 changes. Override the interpreter with
# PYTHON=/path/to/python3.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${repo_root}/.venv-triton"
requirements="${repo_root}/tools/triton/requirements.txt"
python="${PYTHON:-python3}"

want="$(sha256sum "${requirements}" | cut -d' ' -f1)"
if [[ ! -x "${venv}/bin/python" ]]; then
  echo "triton/setup: creating ${venv} with $(${python} --version 2>&1)"
  "${python}" -m venv "${venv}"
fi
[[ -f "${venv}/.gitignore" ]] || echo '*' > "${venv}/.gitignore"
have="$(cat "${venv}/.requirements.sha256" 2>/dev/null || true)"
if [[ "${have}" == "${want}" ]]; then
  echo "triton/setup: ${venv} is up to date"
  exit 0
fi
echo "triton/setup: installing tools/triton/requirements.txt into ${venv} (sha256 ${want:0:12})"
"${venv}/bin/python" -m pip install --quiet --disable-pip-version-check -r "${requirements}"
echo "${want}" > "${venv}/.requirements.sha256"
