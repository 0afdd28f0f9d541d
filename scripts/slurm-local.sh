#!/usr/bin/env bash
# A private single-machine Slurm cluster for the tests: munged, slurmctld and slurmd started by hand
# (no systemd) with their own configuration, ports, sockets, state and logs under one folder, so that
# it neither needs nor disturbs a system Slurm or another test run on the same machine.
#
#   scripts/slurm-local.sh start DIR   # prints "export SLURM_CONF=DIR/slurm.conf"; exit 77 if Slurm is not installed
#   scripts/slurm-local.sh stop DIR    # stops only the daemons this folder's pid files name
#
# Facts it relies on: ProctrackType=proctrack/linuxproc and TaskPlugin=task/none (no cgroups needed),
# the munge key's folder 0700 and the socket's folder 0755 (munged refuses looser ones).
set -euo pipefail
cmd=${1:?usage: slurm-local.sh start|stop DIR}
dir=${2:?usage: slurm-local.sh start|stop DIR}

stop() {
  local d=$1
  # slurmd, then slurmctld, then munged: each by the pid its own pid file records.
  for name in slurmd slurmctld munged; do
    local f="$d/run/$name.pid"
    [ -f "$f" ] || continue
    local pid; pid=$(cat "$f" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  done
}

if [ "$cmd" = stop ]; then stop "$dir"; exit 0; fi
[ "$cmd" = start ] || { echo "usage: slurm-local.sh start|stop DIR" >&2; exit 64; }

for exe in munged slurmctld slurmd sbatch sinfo; do
  if ! command -v "$exe" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$exe" ]; then
    echo "slurm-local: $exe is not installed (scripts/setup.sh installs slurm-wlm and munge)" >&2
    exit 77
  fi
done
export PATH="$PATH:/usr/sbin"
dir=$(mkdir -p "$dir" && cd "$dir" && pwd)
mkdir -p "$dir/run" "$dir/state" "$dir/spool" "$dir/log" "$dir/munge-key" "$dir/munge"
chmod 0700 "$dir/munge-key"
chmod 0755 "$dir" "$dir/munge" "$dir/run"
# The folders above $dir must not be writable by others for munged: /tmp is sticky but 1777, so
# munged is started with --force, which accepts that after checking the rest.
if [ ! -f "$dir/munge-key/munge.key" ]; then
  head -c 1024 /dev/urandom > "$dir/munge-key/munge.key"
  chmod 0400 "$dir/munge-key/munge.key"
fi

# Two free TCP ports (slurmctld, slurmd).
free_port() {
  local p
  while :; do
    p=$(( 20000 + RANDOM % 30000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
}
cport=$(free_port); dport=$(free_port)
while [ "$dport" = "$cport" ]; do dport=$(free_port); done
cpus=$(nproc)
cat > "$dir/slurm.conf" <<CONF
ClusterName=coopsim$(( RANDOM % 100000 ))
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$cport
SlurmdPort=$dport
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SchedulerParameters=sched_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
SwitchType=switch/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
MaxArraySize=1001
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"

munged --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge-key/munge.key" \
  --pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed" \
  || { echo "slurm-local: munged did not start (see $dir/log/munged.log)" >&2; exit 1; }
slurmctld -f "$dir/slurm.conf" || { echo "slurm-local: slurmctld did not start (see $dir/log/slurmctld.log)" >&2; stop "$dir"; exit 1; }
slurmd -f "$dir/slurm.conf" -N localhost || { echo "slurm-local: slurmd did not start (see $dir/log/slurmd.log)" >&2; stop "$dir"; exit 1; }
# Wait until the node takes jobs.
for _ in $(seq 1 120); do
  state=$(sinfo -h -n localhost -o %T 2>/dev/null || true)
  case "$state" in idle*|mix*|alloc*) echo "export SLURM_CONF=$dir/slurm.conf"; exit 0 ;; esac
  sleep 0.5
done
echo "slurm-local: the node did not become idle in 60 s (state '$state'; logs in $dir/log)" >&2
stop "$dir"
exit 1
