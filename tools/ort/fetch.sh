#!/usr/bin/env bash
# Fetches the ONNX Runtime CPU shared library that clinlm's inference engine loads.
#
# The library ships inside the npm package onnxruntime-node. We only `npm pack` the
# tarball (which never runs its install script, unlike `npm install`) and extract the
# one file we need, bin/napi-v6/linux/x64/libonnxruntime.so.1, into <repo>/.cache/ort.
#
# Idempotent: when the library is already there with the recorded sha256, nothing runs.
# Override the version with ORT_VERSION (keep it equal to the CUDA provider's, see
# ../shared/gpu/README.md) and the destination with ORT_CACHE.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
version="${ORT_VERSION:-1.29.0}"
cache="${ORT_CACHE:-${repo_root}/.cache/ort}"
member="package/bin/napi-v6/linux/x64/libonnxruntime.so.1"
lib="${cache}/libonnxruntime.so.1"
stamp="${cache}/libonnxruntime.so.1.sha256"
version_stamp="${cache}/VERSION"

if [[ "$(uname -s)/$(uname -m)" != "Linux/x86_64" ]]; then
  echo "ort/fetch: only linux/x86_64 is supported (this is $(uname -s)/$(uname -m)); pass --ort-lib instead" >&2
  exit 1
fi

if [[ -f "${lib}" && -f "${stamp}" && "$(cat "${version_stamp}" 2>/dev/null)" == "${version}" ]] \
   && (cd "${cache}" && sha256sum --status -c "${stamp}") 2>/dev/null; then
  echo "ort/fetch: ${lib} (onnxruntime ${version}) is up to date"
  exit 0
fi

mkdir -p "${cache}"
work="$(mktemp -d "${cache}/.fetch.XXXXXX")"
trap 'rm -rf "${work}"' EXIT

echo "ort/fetch: npm pack onnxruntime-node@${version}"
# --ignore-scripts is redundant for `npm pack` of a registry spec but states the intent.
tarball="$(cd "${work}" && npm pack --silent --ignore-scripts "onnxruntime-node@${version}" | tail -n 1)"
tar -xzf "${work}/${tarball}" -C "${work}" "${member}"

# Replace atomically so a concurrent reader never sees half a library.
install -m 0644 "${work}/${member}" "${work}/libonnxruntime.so.1"
mv -f "${work}/libonnxruntime.so.1" "${lib}"
(cd "${cache}" && sha256sum libonnxruntime.so.1 > "${stamp}")
echo "${version}" > "${version_stamp}"
echo "ort/fetch: wrote ${lib} ($(du -h "${lib}" | cut -f1), onnxruntime ${version})"
