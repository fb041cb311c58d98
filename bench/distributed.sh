#!/usr/bin/env bash
# Distributed data-parallel training on this machine, with the test host of tests/Avalon.Distributed.TestHost:
#   1. the all-reduce sweep (2 processes, float32 sum, 4 B to 64 MB) and the fit of the ring model
#      T(n) = 2(p-1)·alpha + 2(p-1)/p · n/beta  (least squares in relative error over every size);
#   2. LeNet (and the benchmark CNN with --cnn) SGD steps of one global batch: 2 processes x 1 thread,
#      1 process x 2 threads, 1 x 1; time per step, forward and backward per step, and the time each
#      step waited for its gradients (2 processes).
#
#   bench/distributed.sh [--steps 60] [--batch 64] [--full] [--cnn]
#
# Needs mpirun (Debian: apt-get install openmpi-bin). The machine's load is printed first: on a shared
# machine, read the figures with it.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
steps=60
batch=64
full=()
models=(lenet)
while [[ $# -gt 0 ]]; do
  case "$1" in
    --steps) steps="$2"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    --full) full=(--full); shift ;;
    --cnn) models=(lenet cnn); shift ;;
    *) echo "distributed.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

launcher="$(command -v mpirun || command -v mpiexec || true)"
[[ -n "$launcher" ]] || { echo "distributed.sh: mpirun not found (apt-get install openmpi-bin)" >&2; exit 1; }
mpi=("$launcher")
if "$launcher" --version 2>/dev/null | grep -q "Open MPI"; then
  # Two processes on a 2-core machine, possibly as root (CI): Open MPI refuses both unless told.
  mpi+=(--oversubscribe --bind-to none)
  [[ "$(id -u)" == 0 ]] && mpi+=(--allow-run-as-root)
fi

dotnet build -c Release tests/Avalon.Distributed.TestHost -v q -nologo >/dev/null
export TERM=dumb DOTNET_CLI_TELEMETRY_OPTOUT=1
host=(dotnet tests/Avalon.Distributed.TestHost/bin/Release/net10.0/Avalon.Distributed.TestHost.dll)

echo "# $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "# load before: $(uptime | sed 's/.*load average/load average/')"
echo "# CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; .NET $(dotnet --version); $("$launcher" --version 2>/dev/null | head -1)"
echo

echo "## all-reduce sweep, 2 processes"
sweep="$("${mpi[@]}" -np 2 "${host[@]}" sweep)"
echo "$sweep"
echo "$sweep" | awk '
  $1 ~ /^[0-9]+$/ { n[++k] = $1; t[k] = $2 * 1e-6 }
  END {
    # Least squares of T = a + b n with weights 1/T^2 (relative error), so small and large messages count alike.
    p = 2
    for (i = 1; i <= k; i++) { w = 1 / (t[i] * t[i]); sw += w; sn += w * n[i]; snn += w * n[i] * n[i]; st += w * t[i]; snt += w * n[i] * t[i] }
    b = (sw * snt - sn * st) / (sw * snn - sn * sn)
    a = (st - b * sn) / sw
    alpha = a / (2 * (p - 1))
    beta = 2 * (p - 1) / p / b
    printf "# fit: alpha = %.2f us per step, beta = %.2f GB/s (T(n) = 2(p-1) alpha + 2(p-1)/p n / beta, p = %d; least squares in relative error)\n", alpha * 1e6, beta / 1e9, p
    for (i = 1; i <= k; i++) printf "#   %10d B  measured %10.1f us  model %10.1f us\n", n[i], t[i] * 1e6, (2 * (p - 1) * alpha + 2 * (p - 1) / p * n[i] / beta) * 1e6
  }'
echo

value() { echo "$1" | sed -n "s/^$2=//p"; }
for model in "${models[@]}"; do
  echo "## $model, global batch $batch, $steps steps (after 5 warm-up steps)"
  printf "| %-22s | %8s | %10s | %11s | %14s | %9s |\n" "processes x threads" "step ms" "forward ms" "backward ms" "comm wait ms" "samples/s"
  printf "| %-22s | %8s | %10s | %11s | %14s | %9s |\n" "---" "---:" "---:" "---:" "---:" "---:"
  for config in "2 1" "1 2" "1 1"; do
    read -r procs threads <<<"$config"
    args=("$model" --steps "$steps" --batch "$batch" --threads "$threads" "${full[@]}")
    if [[ "$procs" -gt 1 ]]; then out="$("${mpi[@]}" -np "$procs" "${host[@]}" "${args[@]}")"; else out="$("${host[@]}" "${args[@]}")"; fi
    wait_ms="$(value "$out" comm_wait_ms_per_step)"
    printf "| %-22s | %8s | %10s | %11s | %14s | %9s |\n" "$procs x $threads" "$(value "$out" step_ms)" "$(value "$out" forward_ms)" \
      "$(value "$out" backward_ms)" "${wait_ms:--}" "$(value "$out" samples_per_s)"
  done
  echo
done
echo "# load after: $(uptime | sed 's/.*load average/load average/')"
