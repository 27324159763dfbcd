#!/usr/bin/env bash
# Step time of one run trained by 1 trainer process against the same run trained by 2 trainer processes
# (1 worker each), each time with a coordinator process, all on 127.0.0.1: same spec, seed, data, global
# batch and steps (deterministic reduction), so both runs compute the same samples and end with the same weights.
# usage: bench/trainer-scaling.sh [--steps N] [--global-batch B] [--image-size S] [--channels C]
# Prints the mean step time of each (the interval between committed steps in metrics.jsonl, after --warmup
# steps), the workers' own step time, and the ratio 2 processes / 1 process (below 1: 2 processes are faster).
set -euo pipefail
cd "$(dirname "$0")/.."

steps=40
batch=32
image=16
channels=16
warmup=5
while [ $# -gt 0 ]; do
    case "$1" in
        --steps) steps="$2"; shift 2 ;;
        --global-batch) batch="$2"; shift 2 ;;
        --image-size) image="$2"; shift 2 ;;
        --channels) channels="$2"; shift 2 ;;
        --warmup) warmup="$2"; shift 2 ;;
        *) echo "usage: bench/trainer-scaling.sh [--steps N] [--global-batch B] [--image-size S] [--channels C] [--warmup W]" >&2; exit 2 ;;
    esac
done
if [ "$steps" -le "$((warmup + 1))" ]; then
    echo "trainer-scaling.sh: --steps must exceed --warmup + 1 ($warmup + 1)" >&2
    exit 2
fi

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
export MALLOC_ARENA_MAX=2

echo "trainer-scaling: machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "trainer-scaling: building the orchestrator (Release)"
if ! dotnet build src/Coordinator -c Release -nologo >"$work/build.log" 2>&1; then
    grep -E "error" "$work/build.log" >&2 || cat "$work/build.log" >&2
    exit 1
fi
orchestrator=$(find src/Coordinator/bin/Release -name orchestrator.dll | head -1)

free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# One spec per world size: only min/max workers and the output folder differ.
spec() {
    local trainers=$1 port=$2
    cat <<EOF
run: { name: scaling, seed: 11, output_dir: out-$trainers }
data:
  train: [{ shards: $work/shards/train }]
  validation: [{ shards: $work/shards/validation }]
  image_size: $image
  max_caption_tokens: 8
  vocabulary_size: 64
  decode_threads: 1
  synthetic: { train_dir: $work/shards/train, validation_dir: $work/shards/validation, train_rows: $((batch * 8)), validation_rows: 16, rows_per_shard: $((batch * 4)), row_group_size: $batch, image_size: $image }
model: { base_channels: $channels, channel_multipliers: [1, 2], attention_resolutions: [$((image / 2))], attention_heads: 2, text_encoder: { width: 16, layers: 1, heads: 2 } }
train: { global_batch: $batch, micro_batch: 4, steps: $steps, intra_op_threads: 1, deterministic: true, optimizer: { lr: 0.002 } }
cluster: { workers_per_node: 1, min_workers: $trainers, max_workers: $trainers, seed_nodes: [akka.tcp://orchestrator@127.0.0.1:$port], collective_timeout_seconds: 60 }
checkpoint: { every_steps: $steps, keep_last: 1 }
telemetry: { progress: false }
EOF
}

run() {
    local trainers=$1 port
    port=$(free_port)
    spec "$trainers" "$port" >"$work/run-$trainers.yaml"
    (cd "$work" && dotnet "$OLDPWD/$orchestrator" shards make --config "run-$trainers.yaml" >/dev/null)
    echo "trainer-scaling: $trainers trainer process(es) + coordinator, $steps steps of $batch samples ($((batch / trainers)) per worker) ..."
    (cd "$work" && exec dotnet "$OLDPWD/$orchestrator" coordinator --config "run-$trainers.yaml" --port "$port" >"coordinator-$trainers.log" 2>&1) &
    local coordinator=$!
    pids+=("$coordinator")
    for i in $(seq 1 "$trainers"); do
        (cd "$work" && exec dotnet "$OLDPWD/$orchestrator" trainer --config "run-$trainers.yaml" >"trainer-$trainers-$i.log" 2>&1) &
        pids+=("$!")
    done
    if ! wait "$coordinator"; then
        echo "trainer-scaling: the coordinator of the $trainers-trainer run failed:" >&2
        tail -20 "$work/coordinator-$trainers.log" >&2
        exit 1
    fi
    wait
    pids=()
}

run 1
run 2

/usr/bin/python3 - "$work" "$warmup" <<'PY'
import json, sys
from datetime import datetime
work, warmup = sys.argv[1], int(sys.argv[2])

def figures(trainers):
    steps = [json.loads(l) for l in open(f"{work}/out-{trainers}/metrics.jsonl") if '"event"' not in l]
    times = [datetime.fromisoformat(r["time"].replace("Z", "+00:00")) for r in steps]
    gaps = [(b - a).total_seconds() for a, b in zip(times[warmup:], times[warmup + 1:])]
    worker = [max(r["step_seconds_by_rank"]) for r in steps[warmup + 1:]]
    compute = [max(r["compute_seconds_by_rank"]) for r in steps[warmup + 1:]]
    fingerprints = [json.loads(l) for l in open(f"{work}/out-{trainers}/metrics.jsonl") if '"replicas"' in l][-1]["fingerprints"]
    return sum(gaps) / len(gaps), sum(worker) / len(worker), sum(compute) / len(compute), len(gaps), fingerprints

one, two = figures(1), figures(2)
for trainers, (step, worker, compute, n, _) in ((1, one), (2, two)):
    print(f"{trainers} trainer process(es): mean step {step * 1000:.1f} ms over {n} steps "
          f"(workers' own step {worker * 1000:.1f} ms, of which compute {compute * 1000:.1f} ms)")
print(f"ratio 2/1: step time {two[0] / one[0]:.2f} (throughput x{one[0] / two[0]:.2f})")
same = set(one[4]) == set(two[4]) and len(set(one[4] + two[4])) == 1
print(f"same weights after both runs (deterministic reduction): {'yes' if same else 'NO'}")
PY
echo "trainer-scaling: load average after $(cut -d' ' -f1-3 /proc/loadavg)"
