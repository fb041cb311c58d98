#!/usr/bin/env bash
# Fashion-MNIST models: Avalon against PyTorch + OpenBLAS, the same work on both sides (see
# ../shared/bench/README.md): the Avalon.jl benchmark CNN, LeNet and the 784-500-5 VAE; batch 100,
# Adam 1e-3, 2 threads; one epoch (600 steps) after a 20-step warm-up, then prediction latency at
# batch 100 and batch 1 (eval mode, no gradients), and the test figure after the epoch.
# Each model runs PyTorch then Avalon, --rounds times (A B A B ...), so both sides see the same machine
# load; the table gives each side's median over the rounds and the ratio Avalon / PyTorch (times:
# below 1 means Avalon is faster).
#
#   bench/compare_models.sh [--models avalon lenet vae] [--rounds 2] [--threads 2]
#                           [--max-steps N]   (time only N steps and extrapolate the epoch: quick checks)
#
# Needs Debian's python3-torch, libopenblas0-openmp and dataset-fashion-mnist; the PyTorch side is
# ../shared/bench/torch_cnn.py and torch_vae.py relative to the repository root (override with
# TORCH_BENCH_DIR). Set KEEP_LOG=path to keep the raw JSON lines.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
torch_dir="${TORCH_BENCH_DIR:-../shared/bench}"
openblas="${OPENBLAS_DIR:-/usr/lib/x86_64-linux-gnu/openblas-openmp}"
python="${PYTHON:-/usr/bin/python3}"

models=(avalon lenet vae)
rounds=2
threads=2
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --models) shift; models=(); while [[ $# -gt 0 && "$1" != --* ]]; do models+=("$1"); shift; done ;;
    --rounds) rounds="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --max-steps) extra+=(--max-steps "$2"); shift 2 ;;
    *) echo "compare_models.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

for script in torch_cnn.py torch_vae.py; do
  [[ -f "$torch_dir/$script" ]] || { echo "compare_models.sh: $torch_dir/$script not found" >&2; exit 1; }
done
[[ -d "$openblas" ]] || { echo "compare_models.sh: $openblas not found (apt-get install libopenblas0-openmp)" >&2; exit 1; }

dotnet build -c Release bench/Avalon.Benchmarks -v q -nologo >/dev/null
avalon=(dotnet bench/Avalon.Benchmarks/bin/Release/net10.0/Avalon.Benchmarks.dll)

log="${KEEP_LOG:-$(mktemp)}"
[[ -n "${KEEP_LOG:-}" ]] || trap 'rm -f "$log"' EXIT
: >"$log"
for model in "${models[@]}"; do
  case "$model" in
    avalon|lenet) torch_cmd=("$torch_dir/torch_cnn.py" --model "$model"); avalon_cmd=(cnn --model "$model") ;;
    vae) torch_cmd=("$torch_dir/torch_vae.py"); avalon_cmd=(vae) ;;
    *) echo "compare_models.sh: unknown model '$model' (avalon, lenet, vae)" >&2; exit 2 ;;
  esac
  for ((r = 1; r <= rounds; r++)); do
    echo "$model round $r/$rounds (load average $(cut -d' ' -f1 /proc/loadavg))" >&2
    echo "torch $model $(LD_LIBRARY_PATH="$openblas" "$python" "${torch_cmd[@]}" --threads "$threads" "${extra[@]}")" >>"$log"
    echo "avalon $model $("${avalon[@]}" "${avalon_cmd[@]}" --threads "$threads" "${extra[@]}" --json)" >>"$log"
  done
done

"$python" - "$log" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    side, model, payload = line.split(" ", 2)
    runs.setdefault(model, {}).setdefault(side, []).append(json.loads(payload))

def med(rs, get):
    return statistics.median(get(r) for r in rs)

columns = [
    ("epoch s", lambda r: r["epoch_s"], "{:.2f}"),
    ("step median ms", lambda r: r["step"]["median_ms"], "{:.2f}"),
    ("pred b100 ms", lambda r: r["pred_b100"]["median_ms"], "{:.3f}"),
    ("pred b1 ms", lambda r: r["pred_b1"]["median_ms"], "{:.3f}"),
]
first = next(iter(runs.values()))
extrapolated = any(r.get("epoch_extrapolated") for sides in runs.values() for rs in sides.values() for r in rs)
print(f"PyTorch {first['torch'][0].get('torch', '?')} ({', '.join(first['torch'][0].get('blas_libs', [])) or 'BLAS ?'}); "
      f"Avalon on {first['avalon'][0].get('runtime', '?')}; {first['avalon'][0].get('threads', '?')} threads; "
      f"medians over {len(first['torch'])} round(s) per side" + ("; epoch EXTRAPOLATED from --max-steps" if extrapolated else ""))
print()
print("| model | figure | Avalon | PyTorch | ratio (Avalon / PyTorch) | Avalon per round | PyTorch per round |")
print("| --- | --- | ---: | ---: | ---: | --- | --- |")
for model, sides in runs.items():
    a, p = sides["avalon"], sides["torch"]
    for name, get, fmt in columns:
        va, vp = med(a, get), med(p, get)
        per = lambda rs: " ".join(fmt.format(get(r)) for r in rs)
        print(f"| {model} | {name} | {fmt.format(va)} | {fmt.format(vp)} | {va / vp:.2f} | {per(a)} | {per(p)} |")
    if "test_acc" in a[0]:
        get = lambda r: 100 * r["test_acc"]
        print(f"| {model} | test accuracy % after 1 epoch | {med(a, get):.2f} | {med(p, get):.2f} | | "
              f"{' '.join(f'{get(r):.2f}' for r in a)} | {' '.join(f'{get(r):.2f}' for r in p)} |")
    else:
        get = lambda r: r["test_loss_per_img"]
        print(f"| {model} | test loss per image after 1 epoch | {med(a, get):.1f} | {med(p, get):.1f} | | "
              f"{' '.join(f'{get(r):.1f}' for r in a)} | {' '.join(f'{get(r):.1f}' for r in p)} |")
print()
print("Machine load during training (cores used by other processes, median per side):")
for model, sides in runs.items():
    other = {s: statistics.median(r["load_train"].get("cores_other", float("nan")) for r in rs) for s, rs in sides.items()}
    print(f"  {model}: Avalon {other['avalon']:.2f}, PyTorch {other['torch']:.2f}")
print()
print("Avalon step phases (median ms over the epoch's steps, first round):")
for model, sides in runs.items():
    phases = sides["avalon"][0].get("step_phases", {})
    print(f"  {model}: " + ", ".join(f"{k} {v['median_ms']:.3f}" for k, v in phases.items()))
PY
