#!/usr/bin/env bash
# The GPU serving benchmark (go tool task bench-gpu): bench/ws — raw ONNX Runtime session vs the engine vs the
# websocket, at 1, 8 and 64 clients, beside the raw session's batch-32 throughput — for
#   bert-base-nli / -fp16   BERT-base size, random weights, fp32 and fp16 (tools/bench/make_bench_models.py)
#   tiny-nli / -fp16        the random test model, fp32 and fp16
#   minilm-nli              the shipped demo model as shipped (int8: it has no fp16 form)
# each with exact padding and with --pad-buckets 32,64,128,256; then, with clients sending pairs of about 15, 50 and
# 120 tokens (-mixed-lengths), bucketed padding alone vs batches grouped by bucket (-bucket-batches) for
# bert-base-fp16, tiny-nli-fp32 and minilm-nli (SKIP_MIXED=1 leaves these out). Markdown goes to OUT (default
# .cache/bench/gpu.md), ready to paste into BENCHMARKS.md.
#
# The GPU machine has no Go toolchain: build bin/bench-ws here (the task does) and run this script there with
# BENCH_BIN=bin/bench-ws PYTHON=python3 (its Python has torch, transformers, onnx, onnxruntime).
# A smoke run on a CPU: DEVICE=cpu REQUESTS=40 DURATION=1s ROUNDS=1 SKIP_BERT=1 bash bench/ws/gpu.sh
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "${repo_root}"
device="${DEVICE:-cuda}"
out="${OUT:-.cache/bench/gpu.md}"
models="${BENCH_MODELS:-.cache/benchmodels}"
python="${PYTHON:-.venv-models/bin/python}"
bin="${BENCH_BIN:-bin/bench-ws}"
shared="${CLINLM_SHARED:-${repo_root}/../shared}"
requests="${REQUESTS:-2000}"
duration="${DURATION:-10s}"
rounds="${ROUNDS:-3}"
# On the GPU, batches of up to 32 rows with a 2 ms wait (the issue's starting point); on the CPU, serve's defaults.
if [[ "${device}" == "cpu" ]]; then max_batch="${MAX_BATCH:-8}" max_wait="${MAX_WAIT:-0s}"; else max_batch="${MAX_BATCH:-32}" max_wait="${MAX_WAIT:-2ms}"; fi

key="$(cat tools/bench/make_bench_models.py | sha256sum | cut -d' ' -f1) skip_bert=${SKIP_BERT:-0}"
if [[ "$(cat "${models}/.key" 2>/dev/null)" != "${key}" ]]; then
  rm -rf "${models}"
  skip=(); [[ "${SKIP_BERT:-0}" == 1 ]] && skip=(--skip-bert-base)
  "${python}" -W ignore tools/bench/make_bench_models.py --out "${models}" \
    --tokenizer "${shared}/tokenizers/bert-base-uncased.json" --fp16 .cache/testmodels/tiny-nli "${skip[@]}"
  echo "${key}" > "${models}/.key"
fi

runs=()
[[ "${SKIP_BERT:-0}" == 1 ]] || runs+=("${models} bert-base-nli bert-base-fp32" "${models} bert-base-nli-fp16 bert-base-fp16")
runs+=(".cache/testmodels tiny-nli tiny-nli-fp32" "${models} tiny-nli-fp16 tiny-nli-fp16" "models minilm-nli minilm-nli-int8")

mkdir -p "$(dirname "${out}")"
{
  echo "## bench/ws on ${device}, $(date -u +%Y-%m-%d)"
  echo
  echo "max-batch ${max_batch}, max-wait ${max_wait}; at most ${requests} requests or ${duration} per level, fastest of ${rounds} rounds"
} > "${out}"
for run in "${runs[@]}"; do
  read -r dir model label <<<"${run}"
  for buckets in "" "32,64,128,256"; do
    tag="${label}"; [[ -n "${buckets}" ]] && tag="${label} buckets"
    echo "bench-gpu: ${tag}" >&2
    {
      echo
      echo "### ${tag}"
      echo
      "${bin}" -models "${dir}" -model "${model}" -device "${device}" -label "${tag}" -requests "${requests}" \
        -duration "${duration}" -rounds "${rounds}" -max-batch "${max_batch}" -max-wait "${max_wait}" \
        -pad-buckets "${buckets}" -ref-batch 32
    } >> "${out}"
  done
done

# Mixed lengths: the same buckets, padding only vs batches that keep to one bucket.
mixed=()
[[ "${SKIP_BERT:-0}" == 1 ]] || mixed+=("${models} bert-base-nli-fp16 bert-base-fp16")
mixed+=(".cache/testmodels tiny-nli tiny-nli-fp32" "models minilm-nli minilm-nli-int8")
[[ "${SKIP_MIXED:-0}" == 1 ]] && mixed=()
for run in "${mixed[@]}"; do
  read -r dir model label <<<"${run}"
  for grouped in false true; do
    tag="${label} mixed buckets"; [[ "${grouped}" == true ]] && tag="${tag} grouped"
    echo "bench-gpu: ${tag}" >&2
    {
      echo
      echo "### ${tag}"
      echo
      "${bin}" -models "${dir}" -model "${model}" -device "${device}" -label "${tag}" -requests "${requests}" \
        -duration "${duration}" -rounds "${rounds}" -max-batch "${max_batch}" -max-wait "${max_wait}" \
        -pad-buckets 32,64,128,256 -bucket-batches="${grouped}" -mixed-lengths -ref-batch 32
    } >> "${out}"
  done
done
echo "bench-gpu: wrote ${out}" >&2
