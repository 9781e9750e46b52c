#!/usr/bin/env bash
# Runs on a lent NVIDIA machine (see bench/gpu/prepare.sh, which packs .gpu-carry/): unpacks Node and
# raphe, points the Vulkan loader at the NVIDIA driver, then writes to $OUT (or ./gpu-results):
#   adapter.txt     the adapter raphe sees
#   bench.json/.md  npm run bench at 10,000, 100,000 and 1,000,000 cells on WebGPU (the card) and cpu-mt
#   experiment.txt  raphe experiment belmer2018 (9,000 neurons) on WebGPU, with its wall time
#   chronic.txt     raphe experiment chronic-ssri (9,000 neurons, 21 days) on WebGPU, with its wall time
#   memory-access.txt  npm run bench -- memory-access at 1,000,000 cells: the card's cost per state word
# Each step has its own time limit so that one hang cannot eat the whole lease.
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$PWD/gpu-results}
mkdir -p "$OUT"
c=.gpu-carry
t=/tmp/raphe-gpu
mkdir -p $t/bin
xz -dc $c/node.xz > $t/bin/node && chmod +x $t/bin/node
tar -xJf $c/app.tar.xz -C $t
for f in $c/debs/*.deb; do [ -f "$f" ] && dpkg -x "$f" /; done
ldconfig 2>/dev/null || true
export PATH=$t/bin:$PATH
[ -f $c/libstdc++.so.6 ] && ! node -e 0 2>/dev/null && export LD_LIBRARY_PATH=$c${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -f "$icd" ]; then export VK_ICD_FILENAMES=$icd VK_DRIVER_FILES=$icd; break; fi
done
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader; node --version; echo "ICD ${VK_ICD_FILENAMES:-none}"; } > "$OUT/adapter.txt" 2>&1
cd $t
timeout 60 node build/node/cli.mjs run --neurons 1000 --duration 0.2 --engine webgpu --json >> "$OUT/adapter.txt" 2>&1
timeout 300 node --enable-source-maps build/bench/bench.mjs --sizes 10000,100000,1000000 --engines webgpu:default,cpu-mt \
  --repeats 3 --seconds 1 --out "$OUT" > "$OUT/bench.txt" 2>&1
echo "bench exit $?" >> "$OUT/bench.txt"
start=$(date +%s.%N)
timeout 240 node build/node/cli.mjs experiment belmer2018 --engine webgpu > "$OUT/experiment.txt" 2>&1
code=$?
echo "experiment exit $code, wall $(echo "$(date +%s.%N) - $start" | bc) s" >> "$OUT/experiment.txt"
# the chronic experiment (9,000 neurons, 21 days, the step-size-controlled slow steps) on the card
start=$(date +%s.%N)
timeout 150 node build/node/cli.mjs experiment chronic-ssri --engine webgpu > "$OUT/chronic.txt" 2>&1
echo "chronic exit $?, wall $(echo "$(date +%s.%N) - $start" | bc) s" >> "$OUT/chronic.txt"
# last, so that a slow start of the steps above costs this one (the least needed) and not them
timeout 45 node build/bench/memory-access.mjs --adapter default --neurons 1000000 > "$OUT/memory-access.txt" 2>&1
echo "memory-access exit $?" >> "$OUT/memory-access.txt"
ls -la "$OUT"
