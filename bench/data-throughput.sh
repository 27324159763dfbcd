#!/usr/bin/env bash
# Side by side, in one run, on the same JPEGs: the data loader's per-image path (bench/DataThroughput) against
# torchvision + PIL (../shared/bench/anchors/pil_decode.py): decode, resize 256, center crop 256, float CHW tensor
# in [-1, 1]. The JPEGs are scikit-image's sample photographs written by ../shared/bench/anchors/make_jpegs.py.
# usage: bench/data-throughput.sh [--cpu N] [--rounds R]
#   --cpu     the core both sides are pinned to with taskset, one after the other (default: the last core)
#   --rounds  anchor-then-ours pairs to run (default 3); each pair's ratio is printed, and the last line is
#             the pair with the median ratio, so that one burst of load from other work does not decide it
# One core each: both processes run under `taskset -c N`, so neither can use a second core whatever threads it
# starts. Inside, the anchor sets torch.set_num_threads(1) (PIL decodes and resizes on the calling thread); ours
# sets torch.set_num_threads(1) and OMP_NUM_THREADS=1; SkiaSharp's SKCodec (libjpeg-turbo) decodes and the
# managed resize runs on the calling thread. Each side prints its CPU use, to show it.
set -euo pipefail
cd "$(dirname "$0")/.."

cpu=$(( $(nproc) - 1 ))
rounds=3
while [ $# -gt 0 ]; do
    case "$1" in
        --cpu) cpu="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        *) echo "data-throughput.sh: unknown argument '$1'; expected --cpu N or --rounds R" >&2; exit 2 ;;
    esac
done

anchors=../shared/bench/anchors
for script in make_jpegs.py pil_decode.py; do
    if [ ! -f "$anchors/$script" ]; then
        echo "data-throughput.sh: $anchors/$script not found; the shared folder must sit beside the repository" >&2
        exit 1
    fi
done
if ! /usr/bin/python3 -c 'import PIL, numpy, skimage, torch, torchvision' 2>/dev/null; then
    echo "data-throughput: installing Debian's python3-pil, -numpy, -skimage, -torch and -torchvision for the anchor"
    apt-get update -qq && apt-get install -y -qq python3-pil python3-numpy python3-skimage python3-torch python3-torchvision >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Timings are only as good as the machine is quiet: the load average before and after says how quiet it was.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "data-throughput: machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'), load average $load_before; both sides pinned to core $cpu"
echo "data-throughput: building bench/DataThroughput (Release)"
if ! dotnet build bench/DataThroughput -c Release -nologo >"$work/build.log" 2>&1; then
    grep -E "error" "$work/build.log" >&2 || cat "$work/build.log" >&2
    exit 1
fi

skdata=$(/usr/bin/python3 -c 'import os, skimage; print(os.path.join(os.path.dirname(skimage.__file__), "data"))')
echo "data-throughput: writing JPEGs (quality 90) from $skdata"
/usr/bin/python3 "$anchors/make_jpegs.py" "$skdata" "$work/jpegs"

for round in $(seq 1 "$rounds"); do
    echo "data-throughput: torchvision+PIL: 50 warm-up images, then 1000 timed ..."
    OMP_NUM_THREADS=1 /usr/bin/time -f "%e %P" -o "$work/anchor.time" \
        taskset -c "$cpu" /usr/bin/python3 "$anchors/pil_decode.py" "$work/jpegs" | tee "$work/anchor.out"
    theirs=$(sed -n 's/^torchvision+PIL: \([0-9.]*\) images\/s.*/\1/p' "$work/anchor.out")
    if [ -z "$theirs" ]; then
        echo "data-throughput.sh: could not read images/s from the anchor's output (above)" >&2
        exit 1
    fi
    read -r _ anchor_cpu <"$work/anchor.time"
    echo "data-throughput: torchvision+PIL: whole process (imports included) used $anchor_cpu of one core"

    echo "data-throughput: ours: the loader's path on the same files, 50 warm-up images, then 1000 timed ..."
    OMP_NUM_THREADS=1 taskset -c "$cpu" dotnet run --project bench/DataThroughput -c Release --no-build -- "$work/jpegs" \
        | tee "$work/ours.out"
    ours=$(sed -n 's/^ours: [0-9]* images in [0-9.]*s: \([0-9.]*\) images\/s.*/\1/p' "$work/ours.out")
    if [ -z "$ours" ]; then
        echo "data-throughput.sh: could not read images/s from bench/DataThroughput's output (above)" >&2
        exit 1
    fi

    awk -v x="$ours" -v y="$theirs" -v r="$round" 'BEGIN { printf "round %d: ours %.1f, torchvision+PIL %.1f, ratio %.2f\n", r, x, y, x / y }' | tee -a "$work/rounds"
done

echo
echo "load average: $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after (2 cores; above 2 means other work shared them)"
cat "$work/rounds"
sort -t" " -k8,8n "$work/rounds" | sed -n "$(( (rounds + 1) / 2 ))p" \
    | awk '{ printf "images/s per core: ours %s torchvision+PIL %s ratio %s\n", $4, $6, $8 }'
