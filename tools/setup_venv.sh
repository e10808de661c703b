#!/usr/bin/env bash
# Creates or refreshes <repo>/.venv from tools/requirements.txt.
#
# Idempotent: the sha256 of requirements.txt is kept in .venv/.requirements.sha256 and packages
# are (re)installed only when it differs, so running this before every test costs ~nothing.
# Override the interpreter with PYTHON=/path/to/python3.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${repo_root}/.venv"
requirements="${repo_root}/tools/requirements.txt"
stamp="${venv}/.requirements.sha256"
python="${PYTHON:-python3}"

want="$(sha256sum "${requirements}" | cut -d' ' -f1)"

if [[ ! -x "${venv}/bin/python" ]]; then
  echo "setup_venv: creating ${venv} with $(${python} --version 2>&1)"
  "${python}" -m venv "${venv}"
else
  echo "setup_venv: ${venv} exists"
fi

have=""
[[ -f "${stamp}" ]] && have="$(cat "${stamp}")"

if [[ "${have}" == "${want}" ]]; then
  echo "setup_venv: requirements unchanged (sha256 ${want:0:12}), nothing to install"
else
  previous="${have:-none}"
  echo "setup_venv: installing tools/requirements.txt (sha256 ${want:0:12}, was ${previous:0:12})"
  "${venv}/bin/python" -m pip install --quiet --disable-pip-version-check -r "${requirements}"
  echo "${want}" > "${stamp}"
fi

"${venv}/bin/python" -c 'import tokenizers; print("setup_venv: ready, tokenizers", tokenizers.__version__)'
