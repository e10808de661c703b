#!/usr/bin/env bash
# Fetches what ONNX Runtime needs to run clinlm's models on an NVIDIA GPU, beside the CPU core library
# that tools/ort/fetch.sh keeps in <repo>/.cache/ort:
#
#   1. The CUDA execution provider of ORT 1.29.0 (CUDA 13): libonnxruntime_providers_cuda.so and
#      libonnxruntime_providers_shared.so from the npm package com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9,
#      fetched with `npm pack` (no install script ever runs), tarball and files checked against the sha256
#      sums below, placed next to libonnxruntime.so.1 (ORT loads providers from its own directory).
#   2. The CUDA 13 user-space libraries the provider links or loads (cudart, cublas/cublasLt, curand, cufft,
#      cuDNN 9, nvrtc, nvJitLink) from NVIDIA's PyPI wheels (tools/ort/cuda-requirements.txt, hash-pinned;
#      downloaded with `pip download`, never installed), unpacked into <repo>/.cache/ort/cuda. `clinlm serve`
#      preloads every library there before it tries CUDA (see inference/ort/preload.go), so no
#      LD_LIBRARY_PATH is needed. Set ORT_CUDA_LIBS=system to skip this step on a machine whose CUDA 13
#      install is on the loader's path already.
#
# The NVIDIA driver (libcuda.so.1) always comes from the machine. Idempotent: each part is skipped when its
# stamp matches. ORT_CACHE overrides the destination, PYTHON the interpreter that runs pip.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="${ORT_CACHE:-${repo_root}/.cache/ort}"
python="${PYTHON:-python3}"
package="com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9"
tarball_sha256="2b459e0c17f340c92970c10ed86de4f37a3009f93c14053e6ad4334cbb6be412"
provider_sums="56cf3254b118ad837ccc4ed8f6d1b23504bbf7ef91b34cbc0b289cb7f10b3037  libonnxruntime_providers_cuda.so
c6a12593396095f5670160e284c35d1700b7708cf3037b7042e2a5200ccae772  libonnxruntime_providers_shared.so"
requirements="${repo_root}/tools/ort/cuda-requirements.txt"

if [[ "$(uname -s)/$(uname -m)" != "Linux/x86_64" ]]; then
  echo "ort/fetch_gpu: only linux/x86_64 is supported (this is $(uname -s)/$(uname -m))" >&2
  exit 1
fi
ORT_CACHE="${cache}" bash "${repo_root}/tools/ort/fetch.sh"

# 1. The provider.
if (cd "${cache}" && printf '%s\n' "${provider_sums}" | sha256sum --status -c -) 2>/dev/null; then
  echo "ort/fetch_gpu: CUDA provider in ${cache} is up to date"
else
  work="$(mktemp -d "${cache}/.fetch-gpu.XXXXXX")"
  trap 'rm -rf "${work}"' EXIT
  echo "ort/fetch_gpu: npm pack ${package} (about 180 MB)"
  tarball="$(cd "${work}" && npm pack --silent --ignore-scripts "${package}" | tail -n 1)"
  echo "${tarball_sha256}  ${work}/${tarball}" | sha256sum --quiet -c -
  tar -xzf "${work}/${tarball}" -C "${work}" --strip-components=4 \
    package/Plugins/Linux/x64/libonnxruntime_providers_cuda.so package/Plugins/Linux/x64/libonnxruntime_providers_shared.so
  (cd "${work}" && printf '%s\n' "${provider_sums}" | sha256sum --quiet -c -)
  for f in libonnxruntime_providers_cuda.so libonnxruntime_providers_shared.so; do
    install -m 0755 "${work}/${f}" "${work}/${f}.new"
    mv -f "${work}/${f}.new" "${cache}/${f}"
  done
  rm -rf "${work}"
  trap - EXIT
  echo "ort/fetch_gpu: wrote the CUDA provider to ${cache}"
fi

# 2. The CUDA libraries.
if [[ "${ORT_CUDA_LIBS:-wheels}" == "system" ]]; then
  echo "ort/fetch_gpu: ORT_CUDA_LIBS=system: using the machine's CUDA 13 libraries"
  exit 0
fi
cuda="${cache}/cuda"
want="$(sha256sum "${requirements}" | cut -d' ' -f1)"
if [[ -f "${cuda}/.requirements.sha256" && "$(cat "${cuda}/.requirements.sha256")" == "${want}" ]]; then
  echo "ort/fetch_gpu: ${cuda} is up to date"
  exit 0
fi
work="$(mktemp -d "${cache}/.fetch-cuda.XXXXXX")"
trap 'rm -rf "${work}"' EXIT
echo "ort/fetch_gpu: pip download of the CUDA 13 wheels (about 1.2 GB, hash-checked)"
"${python}" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: --require-hashes \
  -r "${requirements}" -d "${work}/wheels"
mkdir -p "${work}/lib"
# Only the shared libraries; not nvblas or cufftw (drop-in CPU-API shims) nor nvrtc's .alt builds.
"${python}" - "${work}/wheels" "${work}/lib" <<'PY'
import pathlib, re, shutil, sys, zipfile
wheels, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for wheel in sorted(wheels.glob("*.whl")):
    with zipfile.ZipFile(wheel) as z:
        for name in z.namelist():
            base = name.rsplit("/", 1)[-1]
            if "/lib/" in name and re.search(r"\.so(\.\d+)*$", base) and not re.search(r"nvblas|cufftw|\.alt\.", base):
                with z.open(name) as src, open(out / base, "wb") as dst:
                    shutil.copyfileobj(src, dst)
PY
rm -rf "${cuda}"
mv "${work}/lib" "${cuda}"
echo "${want}" > "${cuda}/.requirements.sha256"
echo "ort/fetch_gpu: wrote $(ls "${cuda}" | wc -l) CUDA libraries to ${cuda} ($(du -sh "${cuda}" | cut -f1))"
