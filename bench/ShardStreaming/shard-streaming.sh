#!/usr/bin/env bash
# Peak memory and end-to-end images/s while streaming one Parquet shard of at least 2 GB through BatchSource
# (bench/ShardStreaming/Program.cs): scikit-image's photographs (../shared/bench/anchors/make_jpegs.py), each
# row made unique with a comment segment of random bytes, small row groups, 2 decode threads, 256 px.
# usage: bench/ShardStreaming/shard-streaming.sh [program options, e.g. --megabytes 2100 --threads 2 --steps 100]
# Needs about 2.2 GB free under the temporary folder; the shard is deleted at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."

anchors=../shared/bench/anchors
if [ ! -f "$anchors/make_jpegs.py" ]; then
    echo "shard-streaming.sh: $anchors/make_jpegs.py not found; the shared folder must sit beside the repository" >&2
    exit 1
fi
if ! /usr/bin/python3 -c 'import PIL, skimage' 2>/dev/null; then
    echo "shard-streaming: installing Debian's python3-pil and python3-skimage for the photographs"
    apt-get update -qq && apt-get install -y -qq python3-pil python3-skimage >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "shard-streaming: machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
if ! dotnet build bench/ShardStreaming -c Release -nologo >"$work/build.log" 2>&1; then
    grep -E "error" "$work/build.log" >&2 || cat "$work/build.log" >&2
    exit 1
fi
skdata=$(/usr/bin/python3 -c 'import os, skimage; print(os.path.join(os.path.dirname(skimage.__file__), "data"))')
/usr/bin/python3 "$anchors/make_jpegs.py" "$skdata" "$work/jpegs" >/dev/null
OMP_NUM_THREADS=1 dotnet run --project bench/ShardStreaming -c Release --no-build -- "$work/jpegs" "$@"
echo "shard-streaming: load average after $(cut -d' ' -f1-3 /proc/loadavg) (2 cores; above 2 means other work shared them)"
