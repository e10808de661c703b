#!/usr/bin/env bash
# Builds what the inference parity tests need from PyPI, idempotently:
#   <repo>/.venv-models        from tools/models/requirements.txt (reinstalled when its sha256 changes)
#   <repo>/.cache/testmodels   from tools/models/make_test_models.py and t5_test_model.py, plus the released
#                              QA pipeline's answers (qa_pipeline_reference.py, transformers 4.57 installed
#                              into .venv-models/qa-pipeline) (rebuilt when the scripts, the requirements,
#                              this file or the shared T5 tokenizer change)
#   <repo>/.cache/testmodels-saliency  from tools/models/saliency_test_models.py: models whose answer depends on
#                              one token (the saliency tests), with the tiny models' tokenizer (seconds to build)
# Override the interpreter with PYTHON=/path/to/python3.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${repo_root}/.venv-models"
requirements="${repo_root}/tools/models/requirements.txt"
script="${repo_root}/tools/models/make_test_models.py"
out="${repo_root}/.cache/testmodels"
python="${PYTHON:-python3}"

want="$(sha256sum "${requirements}" | cut -d' ' -f1)"
if [[ ! -x "${venv}/bin/python" ]]; then
  echo "models/setup: creating ${venv} with $(${python} --version 2>&1)"
  "${python}" -m venv "${venv}"
fi
# The repository's .gitignore may not list this venv: keep git (and anything that copies the
# untracked tree) away from it, as Python 3.13's venv does by itself.
[[ -f "${venv}/.gitignore" ]] || echo '*' > "${venv}/.gitignore"
have="$(cat "${venv}/.requirements.sha256" 2>/dev/null || true)"
if [[ "${have}" != "${want}" ]]; then
  echo "models/setup: installing tools/models/requirements.txt (sha256 ${want:0:12}); torch is large, this takes a few minutes"
  "${venv}/bin/python" -m pip install --quiet --disable-pip-version-check -r "${requirements}"
  echo "${want}" > "${venv}/.requirements.sha256"
fi

shared="${CLINLM_SHARED:-${repo_root}/../shared}"
t5_tokenizer="${shared}/tokenizers/t5.json"
[[ -f "${t5_tokenizer}" ]] || t5_tokenizer=/dev/null
qa_requirements="${repo_root}/tools/models/requirements-qa-pipeline.txt"
qa_script="${repo_root}/tools/models/qa_pipeline_reference.py"
models_key="$(cat "${requirements}" "${script}" "${repo_root}/tools/models/t5_test_model.py" "${BASH_SOURCE[0]}" "${t5_tokenizer}" \
  "${qa_requirements}" "${qa_script}" | sha256sum | cut -d' ' -f1)"
# The one-token models need the tiny models' tokenizer, so they are built after them, or alone when those are current.
saliency_models() {
  local script="${repo_root}/tools/models/saliency_test_models.py" dir="${repo_root}/.cache/testmodels-saliency"
  local key
  key="$(cat "${script}" "${out}/tiny-nli/tokenizer.json" | sha256sum | cut -d' ' -f1)"
  if [[ -f "${dir}/COMPLETE" && "$(cat "${dir}/.key" 2>/dev/null)" == "${key}" ]]; then
    return
  fi
  echo "models/setup: writing one-token saliency test models to ${dir}"
  rm -rf "${dir}"
  "${venv}/bin/python" -W ignore "${script}" --tokenizer "${out}/tiny-nli/tokenizer.json" --out "${dir}"
  echo "${key}" > "${dir}/.key"
}
if [[ -f "${out}/COMPLETE" && "$(cat "${out}/.key" 2>/dev/null)" == "${models_key}" ]]; then
  echo "models/setup: ${out} is up to date"
  saliency_models
  exit 0
fi
echo "models/setup: writing test models to ${out}"
"${venv}/bin/python" -W ignore "${script}" --out "${out}"
# The released question-answering pipeline (transformers 4.57) beside the venv's transformers 5.
qa_pipeline="${venv}/qa-pipeline"
qa_want="$(sha256sum "${qa_requirements}" | cut -d' ' -f1)"
if [[ "$(cat "${qa_pipeline}/.requirements.sha256" 2>/dev/null || true)" != "${qa_want}" ]]; then
  echo "models/setup: installing tools/models/requirements-qa-pipeline.txt into ${qa_pipeline}"
  rm -rf "${qa_pipeline}"
  "${venv}/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --target "${qa_pipeline}" -r "${qa_requirements}"
  echo "${qa_want}" > "${qa_pipeline}/.requirements.sha256"
fi
PYTHONPATH="${qa_pipeline}" "${venv}/bin/python" -W ignore "${qa_script}" --out "${out}"
echo "${models_key}" > "${out}/.key"
saliency_models
