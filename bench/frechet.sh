#!/usr/bin/env bash
# Side by side, in one run, on the same statistics: the evaluator's Fréchet distance (bench/Frechet)
# against pytorch-fid's path, scipy.linalg.sqrtm (../shared/bench/anchors/sqrtm_bench.py).
# usage: bench/frechet.sh [--dim D] [--threads "1 2"]
#   --dim      feature dimension (default 2048, the Inception pool size)
#   --threads  thread counts to time our side at (default "1 2"); the anchor runs once, on 1 thread
# Fairness: every BLAS/OpenMP pool of the anchor is pinned to 1 thread (OMP/OPENBLAS/MKL_NUM_THREADS=1;
# Debian's default netlib BLAS/LAPACK is single-threaded anyway), and its CPU use is printed to show it.
# Our side runs libtorch with torch.set_num_threads(N) and OMP_NUM_THREADS=N; the 1-thread line is the
# like-for-like figure, the others show what our side gets from more cores.
set -euo pipefail
cd "$(dirname "$0")/.."

dim=2048
threads="1 2"
while [ $# -gt 0 ]; do
    case "$1" in
        --dim) dim="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        *) echo "frechet.sh: unknown argument '$1'; expected --dim D or --threads \"N ...\"" >&2; exit 2 ;;
    esac
done

anchor=../shared/bench/anchors/sqrtm_bench.py
if [ ! -f "$anchor" ]; then
    echo "frechet.sh: $anchor not found; the shared folder must sit beside the repository" >&2
    exit 1
fi
if ! /usr/bin/python3 -c 'import numpy, scipy' 2>/dev/null; then
    echo "frechet: installing Debian's python3-numpy and python3-scipy for the anchor"
    apt-get update -qq && apt-get install -y -qq python3-numpy python3-scipy >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Timings are only as good as the machine is quiet: the load average before and after says how quiet it was.
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "frechet: machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'), load average $load_before"
echo "frechet: building bench/Frechet (Release)"
if ! dotnet build bench/Frechet -c Release -nologo >"$work/build.log" 2>&1; then
    grep -E "error" "$work/build.log" >&2 || cat "$work/build.log" >&2
    exit 1
fi

blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 || echo unknown)
lapack=$(readlink -f /usr/lib/x86_64-linux-gnu/liblapack.so.3 || echo unknown)
echo "frechet: scipy: BLAS $blas, LAPACK $lapack, pinned to 1 thread"
echo "frechet: scipy: making $dim-d statistics and running sqrtm (about 90 s at 2048-d on this machine) ..."
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
    /usr/bin/time -f "%e %P" -o "$work/anchor.time" \
    /usr/bin/python3 "$anchor" --dim "$dim" --out "$work" | tee "$work/anchor.out"
read -r scipy_time scipy_value < <(sed -n 's/^scipy sqrtm: .* time=\([0-9.]*\)s frechet=\([-0-9.eE+]*\)$/\1 \2/p' "$work/anchor.out")
if [ -z "${scipy_value:-}" ]; then
    echo "frechet.sh: could not read time and value from the anchor's output (above)" >&2
    exit 1
fi
read -r _ anchor_cpu <"$work/anchor.time"
echo "frechet: scipy: whole anchor process used $anchor_cpu of one core (100% = single-threaded)"

summary=()
for n in $threads; do
    echo "frechet: ours: FrechetDistance.Evaluate on the same files, $n thread(s), warm-up + best of 3 ..."
    OMP_NUM_THREADS=$n dotnet run --project bench/Frechet -c Release --no-build -- "$work" --dim "$dim" --threads "$n" \
        | tee "$work/ours-$n.out"
    read -r ours_time ours_value < <(sed -n 's/^ours frechet: .* time=\([0-9.]*\)s frechet=\([-0-9.eE+]*\)$/\1 \2/p' "$work/ours-$n.out")
    if [ -z "${ours_value:-}" ]; then
        echo "frechet.sh: could not read time and value from bench/Frechet's output (above)" >&2
        exit 1
    fi
    summary+=("$(awk -v d="$dim" -v n="$n" -v x="$ours_time" -v y="$scipy_time" -v a="$ours_value" -v b="$scipy_value" 'BEGIN {
        r = a - b; if (r < 0) r = -r; if (b != 0) r /= (b < 0 ? -b : b);
        printf "frechet %s-d: ours %.3f s (%s thread%s), scipy %.3f s (1 thread), ratio %.1f, values %s %s (relative difference %.2e)",
            d, x, n, (n == 1 ? "" : "s"), y, y / x, a, b, r }')")
done

echo
echo "load average: $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after (2 cores; above 2 means other work shared them)"
printf '%s\n' "${summary[@]}"
