#!/usr/bin/env bash
# Prepares what a lent NVIDIA machine needs to run raphe's GPU benchmark (bench/gpu/run.sh): it has no
# Node and no network, so this packs, into .gpu-carry/ (ignored by git; name it in the device tool's
# `carry`), a compressed copy of this machine's Node binary, the `webgpu` package (dawn.node) with the
# bundles that run on it (build/node, build/bench), and the Vulkan loader's Debian packages.
# Run here, from the repository root, after `npm ci`: bash bench/gpu/prepare.sh   (about 1 minute)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=.gpu-carry
rm -rf "$out" && mkdir -p "$out/debs"
grep -qx '/.gpu-carry/' .git/info/exclude 2>/dev/null || echo '/.gpu-carry/' >> .git/info/exclude
node esbuild.config.mjs --node-only
node bench/run.mjs --help >/dev/null 2>&1 || true # builds build/bench/ (the bench prints usage and exits)
xz -T0 -6 -c "$(readlink -f "$(command -v node)")" > "$out/node.xz"
cp /lib/x86_64-linux-gnu/libstdc++.so.6 "$out/" 2>/dev/null || true
tar -cJf "$out/app.tar.xz" package.json bin build/node build/bench \
  node_modules/webgpu/package.json node_modules/webgpu/index.js node_modules/webgpu/dist/linux-x64
# the Vulkan loader (the NVIDIA driver's ICD is on the machine; its loader library may not be)
o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/raphe-amd64-lists'
mkdir -p /tmp/raphe-amd64-lists/partial
apt-get $o update -qq >/dev/null 2>&1 || true
(cd "$out/debs" && apt-get $o download libvulkan1 >/dev/null 2>&1) || echo "prepare: could not download libvulkan1 (the machine may have its own)" >&2
du -sh "$out" "$out"/*
echo "prepare: done; run with the device tool: carry [\".gpu-carry\"], command \"bash bench/gpu/run.sh\""
