#!/usr/bin/env bash
# Builds <repo>/.venv-mlserver from tools/mlserver/requirements.txt, idempotently (reinstalled
# when the requirements' sha256 changes). The Go tests of the remote backend start MLServer from
# it on loopback; they skip with a hint when it is missing. Override the interpreter with PYTHON=.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${repo_root}/.venv-mlserver"
requirements="${repo_root}/tools/mlserver/requirements.txt"
python="${PYTHON:-python3}"

want="$(sha256sum "${requirements}" | cut -d' ' -f1)"
if [[ -x "${venv}/bin/mlserver" && "$(cat "${venv}/.requirements.sha256" 2>/dev/null)" == "${want}" ]]; then
  echo "mlserver/setup: ${venv} is up to date"
  exit 0
fi
if [[ ! -x "${venv}/bin/python" ]]; then
  echo "mlserver/setup: creating ${venv} with $(${python} --version 2>&1)"
  "${python}" -m venv "${venv}"
fi
[[ -f "${venv}/.gitignore" ]] || echo '*' > "${venv}/.gitignore"
echo "mlserver/setup: installing tools/mlserver/requirements.txt (sha256 ${want:0:12})"
"${venv}/bin/python" -m pip install --quiet --disable-pip-version-check -r "${requirements}"
echo "${want}" > "${venv}/.requirements.sha256"
