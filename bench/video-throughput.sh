#!/usr/bin/env bash
# Side by side, in one run, on the same mp4 files: the clip loader (bench/VideoThroughput: mp4 header read, then
# FFmpeg's libraries in process decoding only the clip's frames, scaled by swscale and centre-cropped) against
# torchvision.io.read_video with PyAV (bench/VideoThroughput/torchvision_clips.py), then torch resize and crop.
# Same files, clip of 16 frames at stride 2, 112x112 output, float (3, F, S, S) in [-1, 1].
# usage: bench/video-throughput.sh [--cpu N] [--files 64] [--passes 2] [--process]
# One core each: both run under `taskset -c N` (the decoder runs with threads=1, torch with set_num_threads(1)).
# --process also times the fallback decoder (one ffmpeg process per clip; its children inherit the mask).
set -euo pipefail
cd "$(dirname "$0")/.."

cpu=$(( $(nproc) - 1 ))
files=64
passes=2
process=0
while [ $# -gt 0 ]; do
    case "$1" in
        --cpu) cpu="$2"; shift 2 ;;
        --files) files="$2"; shift 2 ;;
        --passes) passes="$2"; shift 2 ;;
        --process) process=1; shift ;;
        *) echo "video-throughput.sh: unknown argument '$1'; expected --cpu N, --files N, --passes N or --process" >&2; exit 2 ;;
    esac
done

for tool in ffmpeg taskset; do
    command -v "$tool" >/dev/null || { echo "video-throughput.sh: $tool not found (Debian: apt-get install ffmpeg util-linux)" >&2; exit 1; }
done
if ! /usr/bin/python3 -c 'import torch, torchvision, av' 2>/dev/null; then
    echo "video-throughput.sh: /usr/bin/python3 needs torch, torchvision and av (Debian: python3-torchvision python3-av)" >&2
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "video-throughput: machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'), load average $load_before; both sides pinned to core $cpu"

echo "video-throughput: building bench/VideoThroughput (Release)"
if ! dotnet build bench/VideoThroughput -c Release -nologo >"$work/build.log" 2>&1; then
    grep -E "error" "$work/build.log" >&2 || cat "$work/build.log" >&2
    exit 1
fi

echo "video-throughput: writing $files mp4 files (256x256, 64 frames, 30 fps, H.264 yuv420p, testsrc2 with a hue shift each)"
mkdir -p "$work/mp4"
for i in $(seq 0 $((files - 1))); do
    ffmpeg -nostdin -hide_banner -loglevel error -f lavfi -i "testsrc2=size=256x256:rate=30" -frames:v 64 \
        -vf "hue=h=$((i * 7))" -c:v libx264 -pix_fmt yuv420p "$work/mp4/$(printf %03d "$i").mp4"
done

echo "video-throughput: torchvision.io.read_video: $passes passes over the files ..."
OMP_NUM_THREADS=1 taskset -c "$cpu" /usr/bin/python3 bench/VideoThroughput/torchvision_clips.py "$work/mp4" 16 2 112 30 64 "$passes" \
    | tee "$work/theirs.out"
theirs=$(sed -n 's/^torchvision: [0-9]* clips in [0-9.]*s: \([0-9.]*\) clips\/s.*/\1/p' "$work/theirs.out")

echo "video-throughput: ours: $passes passes over the same files ..."
OMP_NUM_THREADS=1 taskset -c "$cpu" dotnet run --project bench/VideoThroughput -c Release --no-build -- "$work/mp4" \
    --frames 16 --stride 2 --size 112 --passes "$passes" | tee "$work/ours.out"
ours=$(sed -n 's/^ours: [0-9]* clips in [0-9.]*s: \([0-9.]*\) clips\/s.*/\1/p' "$work/ours.out")
if [ "$process" = 1 ]; then
    echo "video-throughput: the fallback, one ffmpeg process per clip: $passes passes over the same files ..."
    OMP_NUM_THREADS=1 taskset -c "$cpu" dotnet run --project bench/VideoThroughput -c Release --no-build -- "$work/mp4" \
        --frames 16 --stride 2 --size 112 --passes "$passes" --process 1
fi
if [ -z "$ours" ] || [ -z "$theirs" ]; then
    echo "video-throughput.sh: could not read clips/s from the output above" >&2
    exit 1
fi

echo
echo "load average: $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after (above $(nproc) means other work shared the cores)"
awk -v x="$ours" -v y="$theirs" 'BEGIN { printf "clips/s per core: ours %.1f, torchvision %.1f, ratio %.2f\n", x, y, x / y }'
# Under other load the pinned core is shared, so wall-clock rates move with the neighbours; clips per CPU
# second of each process (all its threads: for ours the .NET runtime's JIT and GC too) is the steadier figure.
clips=$(sed -n 's/^ours: \([0-9]*\) clips.*/\1/p' "$work/ours.out")
ours_cpu=$(sed -n "s/^ours: .*this process's CPU \([0-9.]*\)s.*/\1/p" "$work/ours.out")
theirs_cpu=$(sed -n "s/^torchvision: .*this process's CPU \([0-9.]*\)s.*/\1/p" "$work/theirs.out")
awk -v n="$clips" -v x="$ours_cpu" -v y="$theirs_cpu" \
    'BEGIN { printf "clips per CPU second: ours %.1f, torchvision %.1f, ratio %.2f\n", n / x, n / y, y / x }'
