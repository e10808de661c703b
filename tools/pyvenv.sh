#!/usr/bin/env bash
# pyvenv.sh VENV REQUIREMENTS [STAMP]: creates the Python virtualenv VENV when it is missing and installs
# REQUIREMENTS into it when that file's sha256 differs from the one recorded in VENV/STAMP (default
# .requirements.sha256), so the setup scripts under tools/ cost nothing when run before every test.
# PYTHON=/path/to/python3 overrides the interpreter.
set -euo pipefail

venv="$1"
requirements="$2"
stamp="${venv}/${3:-.requirements.sha256}"
python="${PYTHON:-python3}"
label="$(basename "${venv}")"

want="$(sha256sum "${requirements}" | cut -d' ' -f1)"
if [[ ! -x "${venv}/bin/python" ]]; then
  echo "${label}: creating ${venv} with $(${python} --version 2>&1)"
  "${python}" -m venv "${venv}"
fi
[[ -f "${venv}/.gitignore" ]] || echo '*' > "${venv}/.gitignore"
if [[ "$(cat "${stamp}" 2>/dev/null || true)" == "${want}" ]]; then
  echo "${label}: up to date with ${requirements##*/} (sha256 ${want:0:12})"
  exit 0
fi
echo "${label}: installing ${requirements} (sha256 ${want:0:12})"
"${venv}/bin/python" -m pip install --quiet --disable-pip-version-check -r "${requirements}"
echo "${want}" > "${stamp}"
