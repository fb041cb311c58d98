#!/usr/bin/env bash
# SGEMM: Avalon against PyTorch + OpenBLAS, square n, at each thread count.
# Each (n, threads) case runs PyTorch then Avalon, --rounds times (A B A B ...), so both sides see
# the same machine load; the table gives the median GFLOP/s of each side over the rounds and the
# ratio Avalon / PyTorch.
#
#   bench/compare_gemm.sh [--sizes 256 512 1024 2048] [--threads 1 2] [--rounds 2] [--min-time 1]
#                         [--kernel auto|vector256|vector512|scalar]   (Avalon's micro-kernel)
#
# Needs Debian's python3-torch and libopenblas0-openmp; the PyTorch side is ../shared/bench/torch_gemm.py
# relative to the repository root (override with TORCH_BENCH_DIR).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
torch_dir="${TORCH_BENCH_DIR:-../shared/bench}"
openblas="${OPENBLAS_DIR:-/usr/lib/x86_64-linux-gnu/openblas-openmp}"
python="${PYTHON:-/usr/bin/python3}"

sizes=(256 512 1024 2048)
threads=(1 2)
rounds=2
min_time=1
kernel=auto
while [[ $# -gt 0 ]]; do
  case "$1" in
    --sizes) shift; sizes=(); while [[ $# -gt 0 && "$1" != --* ]]; do sizes+=("$1"); shift; done ;;
    --threads) shift; threads=(); while [[ $# -gt 0 && "$1" != --* ]]; do threads+=("$1"); shift; done ;;
    --rounds) rounds="$2"; shift 2 ;;
    --min-time) min_time="$2"; shift 2 ;;
    --kernel) kernel="$2"; shift 2 ;;
    *) echo "compare_gemm.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

[[ -f "$torch_dir/torch_gemm.py" ]] || { echo "compare_gemm.sh: $torch_dir/torch_gemm.py not found" >&2; exit 1; }
[[ -d "$openblas" ]] || { echo "compare_gemm.sh: $openblas not found (apt-get install libopenblas0-openmp)" >&2; exit 1; }

dotnet build -c Release src/Avalon.Cli -v q -nologo >/dev/null
avalon=(dotnet src/Avalon.Cli/bin/Release/net10.0/Avalon.Cli.dll bench gemm --kernel "$kernel")

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for t in "${threads[@]}"; do
  for n in "${sizes[@]}"; do
    for ((r = 1; r <= rounds; r++)); do
      echo "n=$n threads=$t round $r/$rounds" >&2
      echo "torch $(LD_LIBRARY_PATH="$openblas" "$python" "$torch_dir/torch_gemm.py" --sizes "$n" --threads "$t" --min-time "$min_time")" >>"$log"
      echo "avalon $("${avalon[@]}" --sizes "$n" --threads "$t" --min-time "$min_time" --json)" >>"$log"
    done
  done
done

"$python" - "$log" <<'PY'
import json, statistics, sys
runs, kernels = {}, set()
for line in open(sys.argv[1]):
    side, payload = line.split(" ", 1)
    run = json.loads(payload)
    if side == "avalon":
        kernels.add(run["kernel"])
    for r in run["results"]:
        runs.setdefault((r["n"], r["threads"]), {}).setdefault(side, []).append(r["gflops_median"])
print(f"Avalon micro-kernel: {', '.join(sorted(kernels))}; PyTorch: torch.mm with OpenBLAS; float32, square n; GFLOP/s = 2n^3 / median time")
print()
print("| n | threads | Avalon GFLOP/s | PyTorch GFLOP/s | ratio | Avalon per round | PyTorch per round |")
print("| ---: | ---: | ---: | ---: | ---: | --- | --- |")
for (n, t), sides in sorted(runs.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    a, p = statistics.median(sides["avalon"]), statistics.median(sides["torch"])
    fmt = lambda xs: " ".join(f"{x:.0f}" for x in xs)
    print(f"| {n} | {t} | {a:.1f} | {p:.1f} | {a / p:.2f} | {fmt(sides['avalon'])} | {fmt(sides['torch'])} |")
PY
