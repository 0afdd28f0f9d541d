#!/usr/bin/env bash
# End to end on a real Slurm: a 4-shard batch of the regional scenarios submitted to a private
# single-machine cluster (scripts/slurm-local.sh), merged by the dependent job, compared byte for
# byte with a single-process run; then one part removed and the batch re-submitted: only that
# shard runs again. Stops the daemons it started.
#
#   scripts/slurm-batch-test.sh COOPSIM     # exit 0 passed, 77 skipped (no Slurm), else failed
set -euo pipefail
bin=$(readlink -f "${1:?usage: slurm-batch-test.sh COOPSIM}")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/coopsim-slurm.XXXXXX)
chmod 0755 "$work"
cleanup() { bash "$root/scripts/slurm-local.sh" stop "$work/cluster" || true; rm -rf "$work"; }
trap cleanup EXIT
set +e
env=$(bash "$root/scripts/slurm-local.sh" start "$work/cluster")
status=$?
set -e
[ $status -eq 0 ] || exit $status
eval "$env"
export PATH="$PATH:/usr/sbin"
cd "$root"
scenarios=(Scenarios/regions/*-baseline.toml Scenarios/regions/*-20nqtw.toml)
draws=5000

wait_for_queue() {   # until no job of ours is pending or running (at most $1 seconds)
  local limit=$1 t=0
  while [ -n "$(squeue -h -o %i 2>/dev/null)" ]; do
    sleep 0.5; t=$((t + 1))
    if [ $t -gt $((limit * 2)) ]; then
      echo "slurm-batch-test: jobs still queued after ${limit} s:" >&2; squeue >&2
      tail -n 20 "$work"/batch/logs/* >&2 || true
      return 1
    fi
  done
}

"$bin" batch plan "${scenarios[@]}" --shards 4 --draws $draws --out "$work/batch"
start=$(date +%s%N)
bash "$work/batch/submit.sh"
wait_for_queue 300
echo "slurm-batch-test: 4 shards and the merge done in $(( ($(date +%s%N) - start) / 1000000 )) ms" >&2
[ -f "$work/batch/result/summary.csv" ] || { echo "slurm-batch-test: no merged result" >&2; tail -n 20 "$work"/batch/logs/* >&2; exit 1; }

"$bin" run "${scenarios[@]}" --draws $draws --out "$work/single" 2>/dev/null
same() {   # every CSV byte for byte; run.json but for command, threads and times
  local a=$1 b=$2 f
  [ "$(ls "$a")" = "$(ls "$b")" ] || { echo "slurm-batch-test: files differ: $(ls "$a" | tr '\n' ' ') / $(ls "$b" | tr '\n' ' ')" >&2; return 1; }
  for f in "$a"/*.csv; do cmp "$f" "$b/$(basename "$f")" || return 1; done
  diff <(grep -v -e '"command"' -e '"threads"' -e '"started"' -e '"wall_seconds"' "$a/run.json") \
       <(grep -v -e '"command"' -e '"threads"' -e '"started"' -e '"wall_seconds"' "$b/run.json") >&2
}
same "$work/single" "$work/batch/result"
echo "slurm-batch-test: merged folder equals the single run ($(ls "$work/single" | wc -l) files)" >&2

# Resume: a lost part is the only shard submitted again.
rm "$work/batch/parts/shard-0002-of-0004.part"
rm -rf "$work/batch/result"
[ "$("$bin" batch missing "$work/batch" 2>/dev/null)" = "2" ]
out=$(bash "$work/batch/submit.sh")
echo "$out" >&2
echo "$out" | grep -q "^shards to run: 2 (job "
wait_for_queue 300
same "$work/single" "$work/batch/result"
echo "slurm-batch-test: re-submission ran shard 2 only and the merge again; result unchanged" >&2
