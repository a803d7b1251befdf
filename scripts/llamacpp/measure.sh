#!/usr/bin/env bash
# Regenerates data/llamacpp/ (buffers.csv and models/*.json): llama.cpp's own buffer sizes.
#
# NEVER run this in CI: it downloads the llama-cpp-python sdist, builds llama.cpp (CPU) from the
# llama.cpp it vendors, writes 10 sparse GGUF files (104 GB apparent size, ~40 MB on disk) and
# loads each of them with ~15 context configurations, allocating KV buffers of up to 4 GiB.
# The tests read the committed table; nothing in the test suite calls this script.
#
# Needs: Debian's cmake and g++ (apt-get install cmake g++), python3 with numpy, network access
# to PyPI. Scratch files go to $LLAMACPP_WORK (default /tmp/gpuplan-llamacpp), outside the repo.
# Takes about 12 minutes on 2 shared cores (see data/llamacpp/README.md).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
WORK=${LLAMACPP_WORK:-/tmp/gpuplan-llamacpp}
VERSION=${LLAMA_CPP_PYTHON_VERSION:-0.3.36}   # vendors ggml-org/llama.cpp@0c1e57098
JOBS=${JOBS:-2}
MODELS=(
  llama-3.1-8b:Q4_K_M llama-3.1-8b:F16
  qwen2.5-7b:Q8_0 qwen2.5-7b:Q4_K_M
  qwen3-30b-a3b:Q4_K_M
  gemma-3-12b:Q4_K_M gemma-3-12b:Q8_0
  gpt-oss-20b:MXFP4_MOE
  deepseek-v2-lite:Q4_K_M deepseek-v2-lite:Q8_0
)

start=$(date +%s)
mkdir -p "$WORK" && cd "$WORK"
if [ ! -f "llama_cpp_python-$VERSION.tar.gz" ]; then
  pip download --no-binary :all: --no-deps "llama-cpp-python==$VERSION"
fi
[ -d "llama_cpp_python-$VERSION" ] || tar xzf "llama_cpp_python-$VERSION.tar.gz"
SRC="$WORK/llama_cpp_python-$VERSION/vendor/llama.cpp"

# libllama + ggml (CPU) only; no repacking is chosen at load time (use_extra_bufts = false)
cmake -S "$SRC" -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=OFF \
  -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_COMMON=OFF -DLLAMA_BUILD_TESTS=OFF \
  -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF >cmake.log
nice -n 10 cmake --build build --target llama -j"$JOBS" >build.log

LIBS="build/src/libllama.a build/ggml/src/libggml.a build/ggml/src/libggml-cpu.a build/ggml/src/libggml-base.a"
for t in probe qtypes; do
  # -fno-access-control: the probe reads llama_context::buf_output and llama_kv_cache::size_k_bytes()
  nice -n 10 g++ -std=c++17 -O1 -fno-access-control -I"$SRC/include" -I"$SRC/src" -I"$SRC/ggml/include" \
    "$HERE/$t.cpp" $LIBS -fopenmp -lpthread -ldl -o "$t"
done

# the gguf package vendored with this llama.cpp (same GGML type table as the library)
export PYTHONPATH="$SRC/gguf-py${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p gguf
python3 "$HERE/gen_gguf.py" "$REPO/data/catalog.json" ./qtypes gguf "$REPO/data/llamacpp/models" "${MODELS[@]}"
python3 "$HERE/run_grid.py" ./probe gguf "$REPO/data/llamacpp/buffers.csv" "${MODELS[@]}"
echo "done in $(( $(date +%s) - start )) s"
