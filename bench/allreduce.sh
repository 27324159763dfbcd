#!/usr/bin/env bash
# Side by side, in one run: PyTorch's Gloo all-reduce (../shared/bench/anchors/gloo_allreduce.py N) against the
# project's reducer, TcpRingAllReduce (bench/AllReduce), both with N real processes on loopback, float32 buffers
# of 1, 16, 64 and 256 MiB, same timing recipe (2 warm-ups, a barrier, the mean of max(3, min(20, 2e9/bytes)) calls).
# usage: bench/allreduce.sh N [--rounds R] [any bench/AllReduce option, e.g. --piece-kib 256 --wire bfloat16 --transport tcp]
#   --rounds  alternate anchor and ours R times (default 1) and keep each side's best busbw per size,
#             so that a burst of load from elsewhere does not decide the ratio
# Prints per size: "size MiB: busbw ours X GB/s, gloo Y GB/s, ratio X/Y", busbw = algbw * 2(N-1)/N as gloo's script computes.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 1 ] || ! [[ "$1" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: bench/allreduce.sh N [--rounds R] [--piece-kib K] [--socket-kib K] [--wire float32|bfloat16|float16] [--transport auto|tcp]" >&2
    exit 2
fi
world=$1
shift
rounds=1
ours_options=()
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        *) ours_options+=("$1"); shift ;;
    esac
done

anchor=../shared/bench/anchors/gloo_allreduce.py
if [ ! -f "$anchor" ]; then
    echo "allreduce.sh: $anchor not found; the shared folder must sit beside the repository" >&2
    exit 1
fi
if ! /usr/bin/python3 -c 'import torch.distributed' 2>/dev/null; then
    echo "allreduce: installing Debian's python3-torch for the anchor"
    apt-get update -qq && apt-get install -y -qq python3-torch >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "allreduce: machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'), load average $load_before"
echo "allreduce: building bench/AllReduce (Release)"
if ! dotnet build bench/AllReduce -c Release -nologo >"$work/build.log" 2>&1; then
    grep -E "error" "$work/build.log" >&2 || cat "$work/build.log" >&2
    exit 1
fi
ours=$(find bench/AllReduce/bin/Release -name Orchestrator.Bench.AllReduce -type f -perm -u+x | head -1)
if [ -z "$ours" ]; then
    echo "allreduce.sh: the build left no bench/AllReduce/bin/Release/.../Orchestrator.Bench.AllReduce" >&2
    exit 1
fi

for round in $(seq 1 "$rounds"); do
    echo "allreduce: round $round/$rounds: gloo, $world processes ..."
    /usr/bin/time -f "%U %S" -a -o "$work/gloo.cpu" /usr/bin/python3 "$anchor" "$world" | tee -a "$work/gloo.out"
    echo "allreduce: round $round/$rounds: ours (TcpRingAllReduce), $world processes ${ours_options[*]:-} ..."
    /usr/bin/time -f "%U %S" -a -o "$work/ours.cpu" "$ours" "$world" "${ours_options[@]}" | tee -a "$work/ours.out"
done

echo
# CPU seconds (user + system, all processes of a side) move far less with load than wall times do; both sides
# move the same bytes. The anchor's figure includes 1 + N Python interpreters importing torch (about 0.8 s each here).
cpu() { awk '{ u += $1; s += $2; n++ } END { printf "user %.2f s + system %.2f s per run", u / n, s / n }' "$1"; }
echo "cpu: ours $(cpu "$work/ours.cpu"); gloo $(cpu "$work/gloo.cpu")"
echo "load average: $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after ($(nproc) cores; above $(nproc) means other work shared them)"
# Best busbw per size of each side, then one line per size.
best() { sed -n 's/.*size=\([0-9]*\)MiB.*busbw=\([0-9.]*\)GB\/s.*/\1 \2/p' "$1"; }
{ best "$work/ours.out" | sed 's/^/ours /'; best "$work/gloo.out" | sed 's/^/gloo /'; } |
    awk -v n="$world" '
        { if ($3 > b[$1, $2]) b[$1, $2] = $3; sizes[$2] = 1 }
        END {
            for (s in sizes) order[++k] = s + 0
            for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (order[j] < order[i]) { t = order[i]; order[i] = order[j]; order[j] = t }
            for (i = 1; i <= k; i++) { s = order[i]; o = b["ours", s]; g = b["gloo", s]
                printf "%s MiB: busbw ours %.3f GB/s, gloo %.3f GB/s, ratio %.2f (N=%s)\n", s, o, g, (g > 0 ? o / g : 0), n }
        }'
