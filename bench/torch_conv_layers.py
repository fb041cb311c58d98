"""The peer of `avalon bench conv`: the benchmark CNNs' convolution layers one at a time in PyTorch.

Forward (with bias), gradient of the input and gradient of the weight, each timed alone at batch 100
(aten.convolution_backward with one output selected), median milliseconds; one JSON line per layer with
the fields `avalon bench conv --json` prints. Run with Debian's python3-torch and OpenBLAS first:
LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 bench/torch_conv_layers.py --threads 2
"""
import argparse
import json
import time

import torch

LAYERS = [("cnn1", 1, 16, 28, 3, 1), ("cnn2", 16, 32, 14, 3, 1), ("cnn3", 32, 32, 7, 3, 1),
          ("lenet1", 1, 20, 28, 5, 0), ("lenet2", 20, 50, 12, 5, 0)]


def median_ms(body, reps):
    for _ in range(3):
        body()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        body()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2] * 1e3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--reps", type=int, default=50)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    for name, cin, cout, size, k, pad in LAYERS:
        x = torch.rand(args.batch, cin, size, size) * 2 - 1
        w = torch.rand(cout, cin, k, k) * 2 - 1
        b = torch.rand(cout) * 2 - 1
        with torch.no_grad():
            y = torch.nn.functional.conv2d(x, w, b, padding=pad)
            gy = torch.rand_like(y) * 2 - 1

            def backward(mask):
                return lambda: torch.ops.aten.convolution_backward(
                    gy, x, w, [cout], [1, 1], [pad, pad], [1, 1], False, [0, 0], 1, mask)

            forward_ms = median_ms(lambda: torch.nn.functional.conv2d(x, w, b, padding=pad), args.reps)
            input_ms = median_ms(backward([True, False, False]), args.reps)
            weight_ms = median_ms(backward([False, True, False]), args.reps)
        flop = 2.0 * y.numel() * cin * k * k
        print(json.dumps({"bench": "torch_conv_layers", "layer": name, "threads": args.threads,
                          "fwd_ms": round(forward_ms, 4), "bwd_input_ms": round(input_ms, 4),
                          "bwd_weight_ms": round(weight_ms, 4), "gflop": flop / 1e9,
                          "mkldnn": torch.backends.mkldnn.is_available()}))


if __name__ == "__main__":
    main()
