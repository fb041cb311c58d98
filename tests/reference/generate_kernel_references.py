#!/usr/bin/env python3
"""Regenerates the PyTorch reference values for the CPU convolution and pooling kernel tests.

Run with the system interpreter that has torch installed:

    python3 tests/reference/generate_kernel_references.py

It writes tests/Avalon.Tests/Data/Kernels/pooling_reference.json and convolution_reference.json.
Everything is computed in float64 so the tests can compare tightly. Each case stores its input, the
forward result (and argmax indices where PyTorch returns them), a random output gradient and the
gradients PyTorch's autograd computes from it.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Avalon.Tests", "Data", "Kernels")


def flat(t):
    # 12 significant digits keep the files small; the tests compare with a matching tolerance.
    return [float("%.12g" % v) if math.isfinite(v) else repr(float(v)) for v in t.detach().reshape(-1).tolist()]


def randn(*shape):
    # Inputs rounded to 4 decimals are stored exactly, so the kernels see the very values PyTorch saw.
    return torch.round(torch.randn(*shape, dtype=torch.float64) * 1e4) / 1e4


def flat_int(t):
    return [int(v) for v in t.reshape(-1).tolist()]


def pool_case(name, op, shape, params, special=None):
    x = randn(*shape)
    if special is not None:
        special(x)
    x.requires_grad_(True)
    fn = getattr(F, op)
    kwargs = dict(params)
    indices = None
    if op.startswith("max_pool") or op.startswith("adaptive_max_pool"):
        y, indices = fn(x, return_indices=True, **kwargs)
    else:
        y = fn(x, **kwargs)
    gy = randn(*y.shape)
    (gx,) = torch.autograd.grad(y, x, gy)
    case = {
        "name": name,
        "op": op,
        "params": params,
        "input_shape": list(shape),
        "input": flat(x),
        "output_shape": list(y.shape),
        "output": flat(y),
        "grad_output": flat(gy),
        "grad_input": flat(gx),
    }
    if indices is not None:
        case["indices"] = flat_int(indices)
    return case


def nan_and_neg_inf(x):
    # One window made only of -inf (PyTorch picks its first position) and one NaN that must win.
    x.view(-1)[0:2] = -math.inf
    x.view(-1)[4:6] = -math.inf
    x.view(-1)[10] = math.nan


def pooling_cases():
    return [
        pool_case("max1d_ceil_odd", "max_pool1d", (2, 3, 7), {"kernel_size": [2], "stride": [2], "padding": [0], "dilation": [1], "ceil_mode": True}),
        pool_case("max1d_pad_dilation_ceil", "max_pool1d", (1, 2, 10), {"kernel_size": [3], "stride": [2], "padding": [1], "dilation": [2], "ceil_mode": True}),
        pool_case("max2d_pad_ceil", "max_pool2d", (2, 2, 7, 6), {"kernel_size": [3, 3], "stride": [2, 2], "padding": [1, 1], "dilation": [1, 1], "ceil_mode": True}),
        pool_case("max2d_ceil_partial_window", "max_pool2d", (1, 2, 5, 5), {"kernel_size": [2, 2], "stride": [2, 2], "padding": [0, 0], "dilation": [1, 1], "ceil_mode": True}),
        pool_case("max2d_mixed", "max_pool2d", (2, 1, 6, 7), {"kernel_size": [3, 2], "stride": [2, 3], "padding": [1, 1], "dilation": [2, 1], "ceil_mode": True}),
        pool_case("max2d_nan_neg_inf", "max_pool2d", (1, 1, 4, 4), {"kernel_size": [2, 2], "stride": [2, 2], "padding": [0, 0], "dilation": [1, 1], "ceil_mode": False}, nan_and_neg_inf),
        pool_case("max3d_ceil", "max_pool3d", (1, 2, 5, 4, 6), {"kernel_size": [2, 3, 2], "stride": [2, 2, 2], "padding": [1, 1, 0], "dilation": [1, 1, 2], "ceil_mode": True}),
        pool_case("avg1d_ceil_exclude_pad", "avg_pool1d", (2, 2, 8), {"kernel_size": [3], "stride": [2], "padding": [1], "ceil_mode": True, "count_include_pad": False}),
        pool_case("avg1d_ceil_include_pad", "avg_pool1d", (2, 2, 8), {"kernel_size": [3], "stride": [2], "padding": [1], "ceil_mode": True, "count_include_pad": True}),
        pool_case("avg2d_ceil_include_pad", "avg_pool2d", (2, 2, 7, 6), {"kernel_size": [3, 3], "stride": [2, 2], "padding": [1, 1], "ceil_mode": True, "count_include_pad": True}),
        pool_case("avg2d_ceil_exclude_pad", "avg_pool2d", (2, 2, 7, 6), {"kernel_size": [3, 3], "stride": [2, 2], "padding": [1, 1], "ceil_mode": True, "count_include_pad": False}),
        pool_case("avg2d_ceil_beyond_input", "avg_pool2d", (1, 2, 5, 5), {"kernel_size": [2, 2], "stride": [2, 2], "padding": [0, 0], "ceil_mode": True, "count_include_pad": True}),
        pool_case("avg2d_divisor_override", "avg_pool2d", (1, 3, 5, 7), {"kernel_size": [2, 3], "stride": [1, 2], "padding": [1, 1], "ceil_mode": False, "count_include_pad": True, "divisor_override": 5}),
        pool_case("avg3d_ceil_exclude_pad", "avg_pool3d", (1, 2, 5, 4, 6), {"kernel_size": [2, 3, 2], "stride": [2, 2, 2], "padding": [1, 1, 1], "ceil_mode": True, "count_include_pad": False}),
        pool_case("avg3d_divisor_override", "avg_pool3d", (1, 1, 3, 5, 4), {"kernel_size": [3, 2, 2], "stride": [2, 2, 2], "padding": [1, 0, 1], "ceil_mode": True, "count_include_pad": True, "divisor_override": 7}),
        pool_case("adaptive_avg1d", "adaptive_avg_pool1d", (2, 2, 10), {"output_size": [3]}),
        pool_case("adaptive_avg2d", "adaptive_avg_pool2d", (1, 3, 7, 9), {"output_size": [3, 4]}),
        pool_case("adaptive_avg2d_upsample", "adaptive_avg_pool2d", (1, 1, 3, 2), {"output_size": [5, 4]}),
        pool_case("adaptive_avg3d", "adaptive_avg_pool3d", (1, 2, 5, 6, 7), {"output_size": [2, 3, 4]}),
        pool_case("adaptive_max1d", "adaptive_max_pool1d", (2, 2, 10), {"output_size": [3]}),
        pool_case("adaptive_max2d", "adaptive_max_pool2d", (1, 3, 7, 9), {"output_size": [3, 4]}),
        pool_case("adaptive_max3d", "adaptive_max_pool3d", (1, 2, 5, 6, 7), {"output_size": [2, 3, 4]}),
    ]


def conv_cases():
    cases = []

    x = randn(2, 4, 7, 6).requires_grad_(True)
    w = randn(6, 2, 3, 2).requires_grad_(True)
    b = randn(6).requires_grad_(True)
    params = {"stride": [2, 1], "padding": [1, 1], "dilation": [1, 2], "groups": 2}
    y = F.conv2d(x, w, b, **params)
    gy = randn(*y.shape)
    gx, gw, gb = torch.autograd.grad(y, (x, w, b), gy)
    cases.append({
        "name": "conv2d_groups_stride_dilation", "op": "conv2d", "params": params,
        "input_shape": list(x.shape), "input": flat(x), "weight_shape": list(w.shape), "weight": flat(w),
        "bias": flat(b), "output_shape": list(y.shape), "output": flat(y), "grad_output": flat(gy),
        "grad_input": flat(gx), "grad_weight": flat(gw), "grad_bias": flat(gb),
    })

    x = randn(2, 4, 3, 4).requires_grad_(True)
    w = randn(4, 3, 3, 2).requires_grad_(True)
    b = randn(6).requires_grad_(True)
    params = {"stride": [2, 3], "padding": [1, 0], "output_padding": [1, 2], "groups": 2, "dilation": [1, 1]}
    y = F.conv_transpose2d(x, w, b, **params)
    gy = randn(*y.shape)
    gx, gw, gb = torch.autograd.grad(y, (x, w, b), gy)
    cases.append({
        "name": "conv_transpose2d_groups_output_padding", "op": "conv_transpose2d", "params": params,
        "input_shape": list(x.shape), "input": flat(x), "weight_shape": list(w.shape), "weight": flat(w),
        "bias": flat(b), "output_shape": list(y.shape), "output": flat(y), "grad_output": flat(gy),
        "grad_input": flat(gx), "grad_weight": flat(gw), "grad_bias": flat(gb),
    })
    return cases


def write(name, cases):
    path = os.path.join(OUT_DIR, name)
    with open(path, "w") as f:
        json.dump({"generator": "tests/reference/generate_kernel_references.py", "torch": torch.__version__,
                   "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", os.path.normpath(path), len(cases), "cases")


def main():
    torch.manual_seed(20240607)
    os.makedirs(OUT_DIR, exist_ok=True)
    write("pooling_reference.json", pooling_cases())
    write("convolution_reference.json", conv_cases())


if __name__ == "__main__":
    main()
