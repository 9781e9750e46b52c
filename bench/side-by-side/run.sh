#!/usr/bin/env bash
# Side by side: the same commands on an older checkout (OLD, default ../base) and this one, runs
# alternated (old, new, old, new, ...) so that both see the same machine load; wall times from
# /usr/bin/time, steady-state cache off (RAPHE_CACHE=0, a cold start every time). Prints one line per
# run and a median table. Usage: bash bench/side-by-side/run.sh [OLD] [REPEATS] [WHAT...]
#   WHAT: tiny | quick | start | npm-start | chronic-quick | chronic (default: tiny quick start)
set -uo pipefail
new=$(cd "$(dirname "$0")/../.." && pwd)
old=${1:-$new/../base}
reps=${2:-1}
shift 2 2>/dev/null || shift $#
what=${*:-tiny quick start}
export RAPHE_CACHE=0
log=$(mktemp)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cmd_of() {
  case $1 in
    tiny) echo "run --neurons 30 --duration 0.2" ;;
    quick) echo "experiment belmer2018 --quick" ;;
    start) echo "experiment belmer2018" ;;
    # as npm start: the results written too, each side to its own folder (an older raphe will not --force
    # over a folder holding files it does not write, such as a newer one's microdialysis/)
    npm-start) echo "experiment belmer2018 --out $scratch/${2:-new}/belmer2018 --force" ;;
    chronic-quick) echo "experiment chronic-ssri --quick" ;;
    chronic) echo "experiment chronic-ssri" ;;
  esac
}
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; old: $(git -C "$old" log --oneline -1 | cut -c1-60); new: $(git -C "$new" log --oneline -1 | cut -c1-60)"
for w in $what; do
  for r in $(seq "$reps"); do
    for side in old new; do
      dir=$([ $side = old ] && echo "$old" || echo "$new")
      load=$(cut -d' ' -f1 /proc/loadavg)
      out=$( { /usr/bin/time -f "%e" node "$dir/bin/raphe.mjs" $(cmd_of "$w" "$side") > /tmp/sbs-$side-$w.out 2>/tmp/sbs-$side-$w.err; } 2>&1 | tail -1)
      wall=$(tail -1 /tmp/sbs-$side-$w.err)
      pass=$(grep -o '[0-9]/7 findings pass\|[0-9]/4 chronic findings pass' /tmp/sbs-$side-$w.out || true)
      eng=$(grep -o '^Belmer.*), [0-9.]* s$\|^Chronic.*), [0-9.]* s$\|^engine .*' /tmp/sbs-$side-$w.out | head -1 | cut -c1-90)
      # a run that failed (exit status not 0) is shown and left out of the medians
      failed=$(grep -o 'Command exited with non-zero status [0-9]*' /tmp/sbs-$side-$w.err || true)
      echo "$w $side run $r: ${wall} s (load $load) $pass${failed:+ FAILED: $failed ($(head -1 /tmp/sbs-$side-$w.err))} | $eng" | tee -a "$log"
    done
  done
done
echo
echo "| job | old (median s) | new (median s) | old / new |"
echo "|---|---:|---:|---:|"
for w in $what; do
  o=$(awk -v w=$w '$1==w && $2=="old" && !/FAILED/ {print $5}' "$log" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
  n=$(awk -v w=$w '$1==w && $2=="new" && !/FAILED/ {print $5}' "$log" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
  echo "| $w ($(cmd_of $w)) | $o | $n | $(awk -v o=$o -v n=$n 'BEGIN {printf "%.2f", o/n}') |"
done
