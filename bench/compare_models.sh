#!/usr/bin/env bash
# Fashion-MNIST models: Avalon against its peers, the same work on every side (see
# ../shared/bench/README.md): the Avalon.jl benchmark CNN, LeNet and the 784-500-5 VAE; batch 100,
# Adam 1e-3, 2 threads; one epoch (600 steps) after a 20-step warm-up, then prediction latency at
# batch 100 and batch 1 (eval mode, no gradients), and the test figure after the epoch.
#
# Peers: PyTorch + OpenBLAS (training and prediction), TorchSharp (training and prediction, in a Debian
# 13 chroot made by ../shared/bench/torchsharp/peer.sh), ONNX Runtime (prediction of the models
# exported by ../shared/bench/export_onnx.py). Each round runs every peer and then Avalon on one
# model (PyTorch, TorchSharp, ORT, Avalon), --rounds times, so all sides see the same machine load;
# the table gives each side's median over the rounds and the ratios Avalon / peer (times: below 1
# means Avalon is faster). A peer that cannot run here gets "n/a" and the reason under the table.
#
#   bench/compare_models.sh [--models avalon lenet vae] [--rounds 2] [--threads 2]
#                           [--max-steps N]   (time only N steps and extrapolate the epoch: quick checks)
#                           [--peers torch torchsharp ort]   (the peers to run; default all three)
#                           [--eager]         (Avalon eager instead of compiled)
#                           [--setup-torchsharp]   (run peer.sh setup first: debootstrap + a 1.2 GB restore)
#
# Needs Debian's python3-torch, python3-onnx, libopenblas0-openmp and dataset-fashion-mnist; the peers
# live in ../shared/bench relative to the repository root (override with TORCH_BENCH_DIR). TorchSharp
# needs root (mount, chroot) and a finished `peer.sh setup`. Set KEEP_LOG=path to keep the raw JSON lines.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
peer_dir="${TORCH_BENCH_DIR:-../shared/bench}"
openblas="${OPENBLAS_DIR:-/usr/lib/x86_64-linux-gnu/openblas-openmp}"
python="${PYTHON:-/usr/bin/python3}"

models=(avalon lenet vae)
peers=(torch torchsharp ort)
rounds=2
threads=2
extra=()
avalon_extra=()
setup_torchsharp=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --models) shift; models=(); while [[ $# -gt 0 && "$1" != --* ]]; do models+=("$1"); shift; done ;;
    --peers) shift; peers=(); while [[ $# -gt 0 && "$1" != --* ]]; do peers+=("$1"); shift; done ;;
    --rounds) rounds="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --max-steps) extra+=(--max-steps "$2"); shift 2 ;;
    --eager) avalon_extra+=(--eager); shift ;;
    --setup-torchsharp) setup_torchsharp=1; shift ;;
    *) echo "compare_models.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
for model in "${models[@]}"; do
  case "$model" in avalon|lenet|vae) ;; *) echo "compare_models.sh: unknown model '$model' (avalon, lenet, vae)" >&2; exit 2 ;; esac
done
wants() { local p; for p in "${peers[@]}"; do [[ "$p" == "$1" ]] && return 0; done; return 1; }
for p in "${peers[@]}"; do
  case "$p" in torch|torchsharp|ort) ;; *) echo "compare_models.sh: unknown peer '$p' (torch, torchsharp, ort)" >&2; exit 2 ;; esac
done

log="${KEEP_LOG:-$(mktemp)}"
work="$(mktemp -d)"
if [[ -n "${KEEP_LOG:-}" ]]; then trap 'rm -rf "$work"' EXIT; else trap 'rm -rf "$work" "$log"' EXIT; fi
: >"$log"
# "unavailable PEER reason" lines: the peer's column says n/a and the reason is printed under the table.
unavailable() { echo "unavailable $1 - $2" >>"$log"; echo "compare_models.sh: $1 n/a: $2" >&2; }

# Avalon: the avalon command's bench.
dotnet build -c Release src/Avalon.Cli -v q -nologo >/dev/null
avalon=(dotnet src/Avalon.Cli/bin/Release/net10.0/Avalon.Cli.dll bench)

# PyTorch.
torch_ok=0
if wants torch; then
  if [[ ! -f "$peer_dir/torch_cnn.py" || ! -f "$peer_dir/torch_vae.py" ]]; then unavailable torch "$peer_dir/torch_cnn.py or torch_vae.py not found"
  elif [[ ! -d "$openblas" ]]; then unavailable torch "$openblas not found (apt-get install libopenblas0-openmp)"
  elif ! "$python" -c "import torch" 2>/dev/null; then unavailable torch "$python cannot import torch (apt-get install python3-torch)"
  else torch_ok=1; fi
fi

# ONNX Runtime: export the models, build the runner.
ort_ok=0
onnx_dir="$work/onnx"
if wants ort; then
  if [[ ! -f "$peer_dir/export_onnx.py" || ! -d "$peer_dir/ort" ]]; then unavailable ort "$peer_dir/export_onnx.py or $peer_dir/ort not found"
  elif ! "$python" "$peer_dir/export_onnx.py" "$onnx_dir" >"$work/export.log" 2>&1; then
    unavailable ort "export_onnx.py failed: $(grep -v '^\s*$' "$work/export.log" | tail -1) (needs python3-torch and python3-onnx)"
  elif ! (cd "$peer_dir/ort" && dotnet build -c Release -v q -nologo) >"$work/ort-build.log" 2>&1; then
    unavailable ort "building $peer_dir/ort failed: $(grep -m1 -i error "$work/ort-build.log" || tail -1 "$work/ort-build.log")"
  else ort_ok=1; fi
fi
ort=(dotnet "$peer_dir/ort/bin/Release/net10.0/OrtBench.dll")

# TorchSharp: peer.sh runs it in a chroot prepared by `peer.sh setup`.
ts_ok=0
ts="$peer_dir/torchsharp/peer.sh"
if wants torchsharp; then
  if [[ ! -x "$ts" ]]; then unavailable torchsharp "$ts not found"
  elif [[ "$(id -u)" != 0 ]]; then unavailable torchsharp "peer.sh needs root (mount and chroot into its Debian 13 root)"
  elif [[ "$setup_torchsharp" == 1 || -f "${TS_ROOT:-/tmp/trixie-root}/etc/debian_version" ]]; then
    if "$ts" setup >"$work/ts-setup.log" 2>&1; then ts_ok=1
    else unavailable torchsharp "peer.sh setup failed: $(grep -v '^\s*$' "$work/ts-setup.log" | tail -1)"; fi
  else
    unavailable torchsharp "not set up: run $ts setup once (debootstrap + a 1.2 GB NuGet restore) or pass --setup-torchsharp"
  fi
fi

# run SIDE MODEL COMMAND...: appends "SIDE MODEL {json}", or "failed SIDE MODEL reason" when it fails.
run() {
  local side="$1" model="$2"; shift 2
  if "$@" >"$work/out" 2>"$work/err"; then
    local line; line="$(grep '^{' "$work/out" | tail -1 || true)"
    if [[ -n "$line" ]]; then echo "$side $model $line" >>"$log"; return; fi
    echo "failed $side $model printed no JSON line" >>"$log"
  else
    echo "failed $side $model exit $?: $(grep -v '^\s*$' "$work/err" | tail -1)" >>"$log"
  fi
  echo "compare_models.sh: $side $model failed (see the table's notes)" >&2
}

for model in "${models[@]}"; do
  case "$model" in
    avalon|lenet) torch_cmd=("$peer_dir/torch_cnn.py" --model "$model"); ts_cmd=(cnn --model "$model"); avalon_cmd=(cnn --model "$model") ;;
    vae) torch_cmd=("$peer_dir/torch_vae.py"); ts_cmd=(vae); avalon_cmd=(vae) ;;
  esac
  for ((r = 1; r <= rounds; r++)); do
    echo "$model round $r/$rounds (load average $(cut -d' ' -f1 /proc/loadavg))" >&2
    [[ "$torch_ok" == 1 ]] && run torch "$model" env LD_LIBRARY_PATH="$openblas" "$python" "${torch_cmd[@]}" --threads "$threads" "${extra[@]}"
    [[ "$ts_ok" == 1 ]] && run torchsharp "$model" "$ts" "${ts_cmd[@]}" --threads "$threads" "${extra[@]}"
    [[ "$ort_ok" == 1 ]] && run ort "$model" "${ort[@]}" "$onnx_dir/$model.onnx" --threads "$threads"
    run avalon "$model" "${avalon[@]}" "${avalon_cmd[@]}" --threads "$threads" "${extra[@]}" "${avalon_extra[@]}" --json
  done
done

"$python" - "$log" "${peers[@]}" <<'PY'
import json, statistics, sys
log, wanted = sys.argv[1], sys.argv[2:]
runs, notes, unavailable = {}, [], {}
for line in open(log):
    line = line.rstrip("\n")
    if line.startswith("unavailable "):
        _, peer, _, reason = line.split(" ", 3)
        unavailable[peer] = reason
        continue
    if line.startswith("failed "):
        notes.append(line[len("failed "):])
        continue
    side, model, payload = line.split(" ", 2)
    runs.setdefault(model, {}).setdefault(side, []).append(json.loads(payload))

names = {"torch": "PyTorch", "torchsharp": "TorchSharp", "ort": "ONNX Runtime"}
peers = [p for p in ["torch", "torchsharp", "ort"] if p in wanted]

def get_path(r, path):
    for key in path.split("."):
        if not isinstance(r, dict) or key not in r:
            return None
        r = r[key]
    return r

def median_of(rs, path, scale=1.0):
    values = [v for v in (get_path(r, path) for r in rs) if isinstance(v, (int, float))]
    return statistics.median(values) * scale if values else None

figures = [
    ("epoch s", "epoch_s", 1.0, "{:.2f}"),
    ("step median ms", "step.median_ms", 1.0, "{:.2f}"),
    ("pred b100 ms", "pred_b100.median_ms", 1.0, "{:.3f}"),
    ("pred b1 ms", "pred_b1.median_ms", 1.0, "{:.3f}"),
    ("test accuracy %", "test_acc", 100.0, "{:.2f}"),
    ("test loss per image", "test_loss_per_img", 1.0, "{:.1f}"),
]

def cell(model, side, path, scale, fmt):
    if side != "avalon" and side in unavailable:
        return "n/a", None
    rs = runs.get(model, {}).get(side, [])
    if not rs:
        return ("n/a" if side != "avalon" else "failed"), None
    v = median_of(rs, path, scale)
    return ("—", None) if v is None else (fmt.format(v), v)

first_avalon = next((rs[0] for sides in runs.values() for s, rs in sides.items() if s == "avalon"), {})
extrapolated = any(r.get("epoch_extrapolated") for sides in runs.values() for rs in sides.values() for r in rs)
versions = []
for side, key in [("torch", "torch"), ("torchsharp", "torchsharp"), ("ort", "onnxruntime")]:
    r = next((rs[0] for sides in runs.values() for s, rs in sides.items() if s == side), None)
    if r is not None:
        versions.append(f"{names[side]} {r.get(key, '?')}" + (f" ({', '.join(r.get('blas_libs', []))})" if side == "torch" and r.get("blas_libs") else ""))
rounds = max((len(rs) for sides in runs.values() for rs in sides.values()), default=0)
print(f"Avalon on {first_avalon.get('runtime', '?')} (train {get_path(first_avalon, 'path.train') or '?'}, predict {get_path(first_avalon, 'path.predict') or '?'}); "
      + "; ".join(versions) + f"; {first_avalon.get('threads', '?')} threads; medians over {rounds} round(s) per side"
      + ("; epoch EXTRAPOLATED from --max-steps" if extrapolated else ""))
print()
header = ["model", "figure", "Avalon"] + [names[p] for p in peers] + [f"Avalon / {names[p]}" for p in peers]
print("| " + " | ".join(header) + " |")
print("| --- | --- | " + " | ".join(["---:"] * (1 + 2 * len(peers))) + " |")
for model in runs:
    for name, path, scale, fmt in figures:
        a_text, a = cell(model, "avalon", path, scale, fmt)
        peer_cells = [cell(model, p, path, scale, fmt) for p in peers]
        if a is None and all(v is None for _, v in peer_cells):
            continue
        ratios = []
        for text, v in peer_cells:
            # Ratios of times only: accuracy and loss are compared by their values.
            if a is None or v is None or not v or path.startswith("test_"):
                ratios.append("" if text not in ("n/a",) else "n/a")
            else:
                ratios.append(f"{a / v:.2f}")
        print("| " + " | ".join([model, name, a_text] + [t for t, _ in peer_cells] + ratios) + " |")
print()
print("Avalon's own figures (median over rounds): step GFLOP/s = FLOPs of the traced step / median step time; FMA peak measured on the spot")
print()
print("| model | step GFLOP | step GFLOP/s | FMA peak GFLOP/s | % of peak | MiB allocated per step | compile s |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for model, sides in runs.items():
    a = sides.get("avalon", [])
    if not a:
        continue
    flops, gflops, peak = median_of(a, "step_flops", 1e-9), median_of(a, "step_gflops"), median_of(a, "fma_peak_gflops")
    alloc, compile_s = median_of(a, "alloc_bytes_per_step", 1 / 2**20), median_of(a, "compile_s")
    f = lambda v, fmt: "—" if v is None else fmt.format(v)
    print(f"| {model} | {f(flops, '{:.3f}')} | {f(gflops, '{:.1f}')} | {f(peak, '{:.0f}')} | "
          f"{f(100 * gflops / peak if gflops and peak else None, '{:.1f}')} | {f(alloc, '{:.2f}')} | {f(compile_s, '{:.3f}')} |")
print()
print("Per round (epoch s / pred b100 ms):")
for model, sides in runs.items():
    parts = []
    for side in ["avalon"] + peers:
        rs = sides.get(side, [])
        if rs:
            parts.append(f"{'Avalon' if side == 'avalon' else names[side]} " + " ".join(
                f"{get_path(r, 'epoch_s') or 0:.2f}/{get_path(r, 'pred_b100.median_ms') or 0:.2f}" if get_path(r, "epoch_s") is not None
                else f"-/{get_path(r, 'pred_b100.median_ms') or 0:.2f}" for r in rs))
    print(f"  {model}: " + "; ".join(parts))
loads = []
for model, sides in runs.items():
    other = {s: statistics.median(r["load_train"].get("cores_other", float("nan")) for r in rs)
             for s, rs in sides.items() if all("load_train" in r for r in rs)}
    if other:
        loads.append(f"  {model}: " + ", ".join(f"{'Avalon' if s == 'avalon' else names.get(s, s)} {v:.2f}" for s, v in other.items()))
if loads:
    print()
    print("Machine load during training (cores used by other processes, median per side; sides that report it):")
    print("\n".join(loads))
print()
print("Avalon step phases (median ms over the epoch's steps, first round):")
for model, sides in runs.items():
    phases = sides.get("avalon", [{}])[0].get("step_phases", {})
    print(f"  {model}: " + ", ".join(f"{k} {v['median_ms']:.3f}" for k, v in phases.items()))
if unavailable or notes:
    print()
    print("Notes:")
    for peer, reason in unavailable.items():
        print(f"  {names.get(peer, peer)}: n/a — {reason}")
    for note in notes:
        print(f"  failed: {note}")
PY
