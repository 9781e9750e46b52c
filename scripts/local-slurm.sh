#!/usr/bin/env bash
# A single-node SLURM cluster on this machine, everything inside one folder, for trying
# `raphe sweep --slurm` by hand and for tests/slurm.test.ts:
#
#   bash scripts/local-slurm.sh start DIR   # starts munged, slurmctld, slurmd; prints `export SLURM_CONF=...`
#   eval "$(bash scripts/local-slurm.sh env DIR)"   # SLURM_CONF for sbatch, squeue, sinfo in this shell
#   bash scripts/local-slurm.sh stop DIR    # cancels its jobs, stops the three daemons by their pids
#
# Needs root and the Debian packages slurm-wlm and munge (scripts/setup-system.sh installs them). The
# cluster is private: its own munge socket (DIR/munge/), its own ports (free ones, picked at start),
# state, spool, pid and log files under DIR; one partition `debug` holding this machine with all its
# CPUs. Nothing outside DIR is written. Exit 1 with one line on stderr when the cluster cannot start.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin" # slurmctld, slurmd, munged

die() {
  echo "local-slurm: $*" >&2
  exit 1
}

cmd="${1:-}"
dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: local-slurm.sh start|stop|env DIR"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
conf="$dir/slurm.conf"

pid_of() { [ -f "$1" ] && cat "$1" 2>/dev/null || true; }
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

stop_pid() { # stop_pid PIDFILE NAME: SIGTERM, then SIGKILL after 10 s
  local p
  p="$(pid_of "$1")"
  if alive "$p"; then
    kill "$p" 2>/dev/null || true
    for _ in $(seq 1 100); do alive "$p" || break; sleep 0.1; done
    if alive "$p"; then kill -9 "$p" 2>/dev/null || true; fi
  fi
  rm -f "$1"
}

case "$cmd" in
env)
  [ -f "$conf" ] || die "no cluster in $dir (run: local-slurm.sh start $dir)"
  echo "export SLURM_CONF='$conf'"
  ;;
stop)
  if [ -f "$conf" ] && alive "$(pid_of "$dir/slurmctld.pid")"; then
    # cancel this cluster's jobs (their processes belong to slurmd's job steps), give them a moment
    SLURM_CONF="$conf" timeout 10 scancel --me >/dev/null 2>&1 || true
    for _ in $(seq 1 50); do
      [ -z "$(SLURM_CONF="$conf" timeout 5 squeue -h --me -o %i 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
  stop_pid "$dir/slurmd.pid"
  stop_pid "$dir/slurmctld.pid"
  stop_pid "$dir/munge/munged.pid"
  echo "local-slurm: stopped ($dir)"
  ;;
start)
  [ "$(id -u)" = "0" ] || die "must run as root (slurmd runs the jobs as their users)"
  for b in munged slurmctld slurmd sbatch squeue sinfo scancel; do
    command -v "$b" >/dev/null 2>&1 || die "no $b on the PATH (install slurm-wlm and munge: scripts/setup-system.sh)"
  done
  id munge >/dev/null 2>&1 || die "no munge user (install the munge package)"
  [ -f /etc/munge/munge.key ] || die "no /etc/munge/munge.key (install the munge package)"
  if alive "$(pid_of "$dir/slurmctld.pid")"; then die "a cluster already runs in $dir (stop it first)"; fi
  host="$(hostname -s)"
  # munged runs as the munge user: it must reach its folder through every parent
  chmod 755 "$dir"
  runuser -u munge -- test -x "$dir" || die "munged runs as the user munge, who cannot reach $dir (give its parent folders o+x)"
  mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
  chown munge:munge "$dir/munge"
  chmod 755 "$dir/munge"
  socket="$dir/munge/munge.socket"
  runuser -u munge -- munged --socket="$socket" --pid-file="$dir/munge/munged.pid" \
    --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" \
    || die "munged did not start (see $dir/munge/munged.log)"
  ports="$(/usr/bin/python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')"
  read -r ctld_port d_port <<<"$ports"
  cpus="$(nproc)"
  # the node as slurmd itself sees it (sockets, cores, threads, memory), so it is not drained for a mismatch
  node="$(slurmd -C | head -n1)"
  case "$node" in NodeName=*) ;; *) node="NodeName=$host CPUs=$cpus" ;; esac
  node="NodeName=$host ${node#NodeName=* }"
  cat >"$conf" <<EOF
# A single-node cluster written by scripts/local-slurm.sh (raphe); everything under $dir
ClusterName=raphe-local
SlurmctldHost=$host
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=600
KillWait=5
$node State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF="$conf"
  slurmctld -f "$conf" || die "slurmctld did not start (see $dir/log/slurmctld.log)"
  slurmd -f "$conf" || die "slurmd did not start (see $dir/log/slurmd.log)"
  for _ in $(seq 1 150); do
    state="$(timeout 5 sinfo -h -n "$host" -o %T 2>/dev/null || true)"
    case "$state" in idle* | mixed* | allocated*) break ;; esac
    sleep 0.2
  done
  case "${state:-}" in
  idle* | mixed* | allocated*) ;;
  *) die "the node did not come up within 30 s (sinfo: ${state:-nothing}; see $dir/log/)" ;;
  esac
  echo "local-slurm: node $host ($cpus CPUs) $state in partition debug; run: export SLURM_CONF='$conf'"
  ;;
*)
  die "unknown command $cmd; usage: local-slurm.sh start|stop|env DIR"
  ;;
esac
