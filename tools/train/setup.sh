#!/usr/bin/env bash
# Creates <repo>/.venv-train from tools/train/requirements.txt, idempotently (reinstalls when the
# requirements' sha256 changes). Override the interpreter with PYTHON=/path/to/python3.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${repo_root}/.venv-train"
requirements="${repo_root}/tools/train/requirements.txt"
python="${PYTHON:-python3}"
want="$(sha256sum "${requirements}" | cut -d' ' -f1)"
if [[ ! -x "${venv}/bin/python" ]]; then
  echo "train/setup: creating ${venv} with $(${python} --version 2>&1)"
  "${python}" -m venv "${venv}"
fi
[[ -f "${venv}/.gitignore" ]] || echo '*' > "${venv}/.gitignore"
have="$(cat "${venv}/.requirements.sha256" 2>/dev/null || true)"
if [[ "${have}" != "${want}" ]]; then
  echo "train/setup: installing tools/train/requirements.txt (sha256 ${want:0:12}); torch is large, this takes a few minutes"
  "${venv}/bin/python" -m pip install --quiet --disable-pip-version-check -r "${requirements}"
  echo "${want}" > "${venv}/.requirements.sha256"
fi
echo "train/setup: ${venv} is ready"
