#!/usr/bin/env bash
# Installs what raphe needs beyond Node on a fresh Debian 12 (bookworm) machine:
#   - lavapipe from Mesa 25 (bookworm-backports): a software Vulkan driver Dawn accepts (fast path)
#   - chromium: SwiftShader Vulkan fallback for Node, and the browser for the demo's Playwright tests
#   - python3-hdmf, python3-h5py (hdmf 3.5.1: hdmf-common 1.5.1, the base of NWB 2.5.0), python3-jsonschema:
#     the tests validate raphe's NWB files with hdmf (tests/helpers/nwb_validate.py uses /usr/bin/python3)
#   - python3-pandas, -natsort, -isodate, -click, -tqdm, -yaml: what the vendored pynwb 2.3.0 and
#     nwbinspector 0.4.28 (vendor/nwb-tools/) import beyond hdmf and h5py (tests/nwb-inspector.test.ts)
#   - slurm-wlm, munge: tests/slurm.test.ts runs sweeps as job arrays on a one-node cluster (scripts/local-slurm.sh)
#   - python3-brian (Brian2 2.5), cython3, g++: tests/brian2-export.test.ts runs the `raphe export brian2` script
#   - pyflakes3: npm run lint checks the shipped Brian2 model (python/raphe_brian2.py)
# Idempotent; needs root (or sudo). Safe to re-run.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi

have_lavapipe25() {
  dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | grep -Eq '^(2[5-9]|[3-9][0-9])\.'
}
have_chromium() { [ -x /usr/bin/chromium ] && [ -f /usr/lib/chromium/vk_swiftshader_icd.json ]; }
have_python_nwb() { /usr/bin/python3 -c 'import hdmf, h5py, jsonschema' >/dev/null 2>&1; }
have_nwb_tools_deps() { /usr/bin/python3 -c 'import pandas, natsort, isodate, click, tqdm, yaml' >/dev/null 2>&1; }
have_slurm() { [ -x /usr/sbin/slurmctld ] && [ -x /usr/sbin/slurmd ] && [ -x /usr/sbin/munged ] && [ -x /usr/bin/sbatch ]; }
have_brian2() { /usr/bin/python3 -c 'import brian2, Cython' >/dev/null 2>&1 && command -v g++ >/dev/null 2>&1; }
have_pyflakes() { command -v pyflakes3 >/dev/null 2>&1; }

if have_lavapipe25 && have_chromium && have_python_nwb && have_nwb_tools_deps && have_slurm && have_brian2 && have_pyflakes; then
  echo "setup-system: lavapipe (Mesa 25+), chromium, python3-hdmf (and pynwb's deps), slurm-wlm, python3-brian and pyflakes3 already installed"
  exit 0
fi

. /etc/os-release || true
if [ "${ID:-}" != "debian" ]; then
  echo "setup-system: not Debian (${ID:-unknown}); install a Vulkan driver (Mesa >= 25 lavapipe) and chromium yourself" >&2
  exit 0
fi
codename="${VERSION_CODENAME:-bookworm}"

# Add <codename>-backports by copying the system's own Debian source entry with the suite changed.
if ! grep -rqs -- "${codename}-backports" /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null; then
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    # deb822: take the first stanza whose Suites line names the bare codename
    awk -v c="$codename" 'BEGIN{RS=""; ORS="\n\n"} $0 ~ ("Suites:[^\n]*(^|[ ])" c "([ ]|\n|$)") && !done {
        n=split($0, L, "\n"); out="";
        for (i=1;i<=n;i++) { if (L[i] ~ /^Suites:/) L[i]="Suites: " c "-backports"; out=out L[i] "\n" }
        printf "%s", out; done=1 }' /etc/apt/sources.list.d/debian.sources \
      | $SUDO tee /etc/apt/sources.list.d/raphe-backports.sources >/dev/null
  elif [ -f /etc/apt/sources.list ]; then
    grep -E "^deb [^#]* ${codename} " /etc/apt/sources.list | head -n1 \
      | sed -E "s/ ${codename} / ${codename}-backports /" \
      | $SUDO tee /etc/apt/sources.list.d/raphe-backports.list >/dev/null
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
if ! have_lavapipe25; then
  $SUDO apt-get install -y -qq -t "${codename}-backports" mesa-vulkan-drivers libvulkan1 >/dev/null || \
    echo "setup-system: could not install lavapipe from ${codename}-backports; SwiftShader will be used" >&2
fi
if ! have_chromium; then
  $SUDO apt-get install -y -qq chromium >/dev/null
fi
if ! have_python_nwb; then
  $SUDO apt-get install -y -qq python3-hdmf python3-h5py python3-jsonschema >/dev/null
fi
if ! have_nwb_tools_deps; then
  $SUDO apt-get install -y -qq python3-pandas python3-natsort python3-isodate python3-click python3-tqdm python3-yaml >/dev/null
fi
if ! have_slurm; then
  $SUDO apt-get install -y -qq slurm-wlm munge >/dev/null
fi
if ! have_brian2; then
  $SUDO apt-get install -y -qq python3-brian cython3 g++ >/dev/null
fi
if ! have_pyflakes; then
  $SUDO apt-get install -y -qq pyflakes3 >/dev/null
fi
echo "setup-system: mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || echo none), chromium $(/usr/bin/chromium --version 2>/dev/null || echo none), hdmf $(/usr/bin/python3 -c 'import hdmf; print(hdmf.__version__)' 2>/dev/null || echo none)"
