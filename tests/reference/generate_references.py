#!/usr/bin/python3
"""Generate PyTorch reference values for Avalon's tests.

Run from anywhere with PyTorch 1.13 (CPU):

    python3 tests/reference/generate_references.py [family ...]

It rewrites the JSON files in tests/Avalon.Tests/Data/Reference/. The format is described in
tests/reference/README.md. Every random tensor comes from a generator seeded per case, so the output
is identical from run to run on the same PyTorch version.
"""

import json
import math
import os
import sys
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim import lr_scheduler

FORMAT_VERSION = 1
HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "Avalon.Tests", "Data", "Reference"))

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
# padding="same" with an even kernel warns about an extra copy; the values are unaffected.
warnings.filterwarnings("ignore", message="Using padding='same'")
# KLDivLoss(reduction="mean") is recorded on purpose, next to "batchmean".
warnings.filterwarnings("ignore", message="reduction: 'mean' divides")


# ----------------------------------------------------------------------------------------------
# Encoding
# ----------------------------------------------------------------------------------------------

def _float32_number(x):
    """Shortest decimal that reads back (as double, then cast to float) to the same float32."""
    f = np.float32(x)
    if not np.isfinite(f):
        raise ValueError(f"non-finite value {x} cannot be written to JSON")
    value = float(str(f))
    assert np.float32(value) == f, (x, value)
    return value


def _float64_number(x):
    if not math.isfinite(x):
        raise ValueError(f"non-finite value {x} cannot be written to JSON")
    return float(x)


def enc(t):
    """Encode a tensor (or None) as {"shape", "dtype", "data"}."""
    if t is None:
        return None
    t = t.detach().contiguous()
    shape = list(t.shape)
    flat = t.reshape(-1)
    if t.dtype == torch.float32:
        data = [_float32_number(v) for v in flat.numpy()]
        dtype = "float32"
    elif t.dtype == torch.float64:
        data = [_float64_number(v) for v in flat.tolist()]
        dtype = "float64"
    elif t.dtype == torch.int64:
        data = [int(v) for v in flat.tolist()]
        dtype = "int64"
    elif t.dtype == torch.bool:
        data = [1 if v else 0 for v in flat.tolist()]
        dtype = "bool"
    else:
        raise TypeError(f"unsupported dtype {t.dtype}")
    return {"shape": shape, "dtype": dtype, "data": data}


def enc_value(v):
    """Encode a Python/Torch value that appears in args or state (tensors, tuples, numbers)."""
    if isinstance(v, torch.Tensor):
        return enc(v)
    if isinstance(v, (tuple, list)):
        return [enc_value(x) for x in v]
    if isinstance(v, dict):
        return {str(k): enc_value(x) for k, x in v.items()}
    if isinstance(v, float):
        return _float64_number(v)
    return v  # int, bool, str, None


def write_family(family, cases):
    names = [c["name"] for c in cases]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise ValueError(f"{family}: duplicate case names {sorted(dup)}")
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, family + ".json")
    header = {
        "family": family,
        "format_version": FORMAT_VERSION,
        "torch_version": torch.__version__.split("+")[0],
    }
    head = json.dumps(header, separators=(",", ":"))[:-1]
    lines = [json.dumps(c, separators=(",", ":"), allow_nan=False) for c in cases]
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(head + ',"cases":[\n' + ",\n".join(lines) + "\n]}\n")
    print(f"{family}: {len(cases)} cases, {os.path.getsize(path)} bytes")


# ----------------------------------------------------------------------------------------------
# Random data (seeded per case so that adding a case does not change the others)
# ----------------------------------------------------------------------------------------------

def seed_for(name):
    h = 0
    for ch in name.encode("utf-8"):
        h = (h * 131 + ch) % 2_147_483_647
    return h


def randn(g, *shape, dtype=torch.float32, scale=1.0):
    return (torch.randn(tuple(shape), generator=g, dtype=torch.float64) * scale).to(dtype)


def rand(g, *shape, dtype=torch.float32, low=0.0, high=1.0):
    return (torch.rand(tuple(shape), generator=g, dtype=torch.float64) * (high - low) + low).to(dtype)


# ----------------------------------------------------------------------------------------------
# Modules (layers, activations)
# ----------------------------------------------------------------------------------------------

def module_case(name, kind, args, inputs, *, train=False, dtype=torch.float32, scale=1.0,
                buffers_init=None, input_scale=1.0):
    """Build `kind(**args)`, give it seeded parameters, run forward and backward.

    `inputs` is a list of shapes (float inputs, drawn from N(0, input_scale^2)) or ready tensors.
    """
    g = torch.Generator().manual_seed(seed_for(name))
    ctor = getattr(nn, kind)
    module = ctor(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in args.items()})
    module = module.to(dtype)
    module.train(train)
    with torch.no_grad():
        for pname, p in module.named_parameters():
            p.copy_(randn(g, *p.shape, dtype=dtype, scale=scale))
        if buffers_init is not None:
            buffers_init(module, g)
    buffers_before = {k: b.clone() for k, b in module.named_buffers()}

    xs = []
    for spec in inputs:
        if isinstance(spec, torch.Tensor):
            x = spec.clone()
        else:
            x = randn(g, *spec, dtype=dtype, scale=input_scale)
        if x.is_floating_point():
            x.requires_grad_(True)
        xs.append(x)

    out = module(*xs)
    grad_out = randn(g, *out.shape, dtype=out.dtype)
    diff = [x for x in xs if x.requires_grad] + list(module.parameters())
    if out.requires_grad:
        grads = torch.autograd.grad(out, diff, grad_out, allow_unused=True)
    else:
        grads = [None] * len(diff)
    grads = list(grads)
    grad_inputs = []
    for x in xs:
        if x.requires_grad:
            gi = grads.pop(0)
            grad_inputs.append(enc(gi if gi is not None else torch.zeros_like(x)))
        else:
            grad_inputs.append(None)
    grad_params = {}
    for (pname, p), gp in zip(module.named_parameters(), grads):
        grad_params[pname] = enc(gp if gp is not None else torch.zeros_like(p))

    case = {
        "name": name,
        "kind": kind,
        "args": enc_value(args),
        "train": train,
        "params": {k: enc(p) for k, p in module.named_parameters()},
        "inputs": [enc(x) for x in xs],
        "output": enc(out),
        "grad_output": enc(grad_out),
        "grad_inputs": grad_inputs,
        "grad_params": grad_params,
    }
    if buffers_before:
        case["buffers_before"] = {k: enc(b) for k, b in buffers_before.items()}
        case["buffers_after"] = {k: enc(b) for k, b in module.named_buffers()}
    return case


def random_running_stats(module, g):
    module.running_mean.copy_(randn(g, *module.running_mean.shape, dtype=module.running_mean.dtype,
                                    scale=0.5))
    module.running_var.copy_(rand(g, *module.running_var.shape, dtype=module.running_var.dtype,
                                  low=0.5, high=2.0))
    module.num_batches_tracked.fill_(3)


def layer_cases():
    c = []
    add = c.append

    # Linear / Bilinear / Identity / Flatten / Unflatten
    add(module_case("Linear_basic", "Linear", {"in_features": 5, "out_features": 3}, [[4, 5]]))
    add(module_case("Linear_no_bias", "Linear",
                    {"in_features": 5, "out_features": 3, "bias": False}, [[4, 5]]))
    add(module_case("Linear_3d_input", "Linear", {"in_features": 4, "out_features": 6}, [[2, 3, 4]]))
    add(module_case("Linear_1d_input", "Linear", {"in_features": 4, "out_features": 3}, [[4]]))
    add(module_case("Linear_float64", "Linear", {"in_features": 7, "out_features": 5}, [[3, 7]],
                    dtype=torch.float64))
    add(module_case("Bilinear_basic", "Bilinear",
                    {"in1_features": 3, "in2_features": 4, "out_features": 2}, [[5, 3], [5, 4]]))
    add(module_case("Bilinear_no_bias", "Bilinear",
                    {"in1_features": 2, "in2_features": 3, "out_features": 4, "bias": False},
                    [[3, 2], [3, 3]]))
    add(module_case("Identity_basic", "Identity", {}, [[2, 3, 4]]))
    add(module_case("Flatten_default", "Flatten", {}, [[2, 3, 2, 2]]))
    add(module_case("Flatten_dims_1_2", "Flatten", {"start_dim": 1, "end_dim": 2}, [[2, 3, 2, 2]]))
    add(module_case("Flatten_dims_0_neg1", "Flatten", {"start_dim": 0, "end_dim": -1}, [[2, 3, 2]]))
    add(module_case("Unflatten_dim1", "Unflatten", {"dim": 1, "unflattened_size": [2, 3]},
                    [[2, 6, 2]]))
    add(module_case("Unflatten_neg_dim", "Unflatten", {"dim": -1, "unflattened_size": [2, 2]},
                    [[3, 4]]))

    # Convolutions
    add(module_case("Conv1d_basic", "Conv1d",
                    {"in_channels": 2, "out_channels": 3, "kernel_size": 3}, [[2, 2, 7]]))
    add(module_case("Conv1d_stride_pad_dil", "Conv1d",
                    {"in_channels": 2, "out_channels": 4, "kernel_size": 3, "stride": 2,
                     "padding": 2, "dilation": 2}, [[2, 2, 9]]))
    add(module_case("Conv1d_groups_no_bias", "Conv1d",
                    {"in_channels": 4, "out_channels": 6, "kernel_size": 2, "groups": 2,
                     "bias": False}, [[1, 4, 6]]))
    add(module_case("Conv1d_padding_same", "Conv1d",
                    {"in_channels": 2, "out_channels": 2, "kernel_size": 4, "padding": "same"},
                    [[1, 2, 7]]))
    add(module_case("Conv2d_basic", "Conv2d",
                    {"in_channels": 2, "out_channels": 3, "kernel_size": 3}, [[2, 2, 5, 5]]))
    add(module_case("Conv2d_stride2_pad1", "Conv2d",
                    {"in_channels": 3, "out_channels": 2, "kernel_size": 3, "stride": 2,
                     "padding": 1}, [[2, 3, 6, 7]]))
    add(module_case("Conv2d_rect_kernel_stride_pad", "Conv2d",
                    {"in_channels": 2, "out_channels": 3, "kernel_size": [2, 3], "stride": [1, 2],
                     "padding": [1, 0]}, [[1, 2, 5, 6]]))
    add(module_case("Conv2d_dilation2", "Conv2d",
                    {"in_channels": 2, "out_channels": 2, "kernel_size": 3, "dilation": 2,
                     "padding": 1}, [[1, 2, 7, 6]]))
    add(module_case("Conv2d_groups2", "Conv2d",
                    {"in_channels": 4, "out_channels": 6, "kernel_size": 3, "groups": 2,
                     "padding": 1}, [[2, 4, 4, 4]]))
    add(module_case("Conv2d_depthwise", "Conv2d",
                    {"in_channels": 3, "out_channels": 3, "kernel_size": 3, "groups": 3},
                    [[2, 3, 5, 4]]))
    add(module_case("Conv2d_1x1_no_bias", "Conv2d",
                    {"in_channels": 4, "out_channels": 3, "kernel_size": 1, "bias": False},
                    [[2, 4, 3, 3]]))
    add(module_case("Conv2d_padding_same", "Conv2d",
                    {"in_channels": 2, "out_channels": 2, "kernel_size": [3, 4], "padding": "same"},
                    [[1, 2, 5, 5]]))
    for mode in ["reflect", "replicate", "circular"]:
        add(module_case(f"Conv2d_padding_mode_{mode}", "Conv2d",
                        {"in_channels": 2, "out_channels": 2, "kernel_size": 3, "padding": 1,
                         "padding_mode": mode}, [[1, 2, 4, 5]]))
    add(module_case("Conv2d_all_options", "Conv2d",
                    {"in_channels": 4, "out_channels": 4, "kernel_size": [3, 2], "stride": [2, 1],
                     "padding": [1, 2], "dilation": [1, 2], "groups": 2}, [[1, 4, 6, 5]]))
    add(module_case("Conv2d_float64", "Conv2d",
                    {"in_channels": 3, "out_channels": 4, "kernel_size": 3, "padding": 1},
                    [[2, 3, 4, 4]], dtype=torch.float64))
    add(module_case("Conv3d_basic", "Conv3d",
                    {"in_channels": 2, "out_channels": 2, "kernel_size": 2}, [[1, 2, 3, 4, 3]]))
    add(module_case("Conv3d_stride_pad", "Conv3d",
                    {"in_channels": 2, "out_channels": 3, "kernel_size": [3, 2, 2],
                     "stride": [1, 2, 1], "padding": 1}, [[1, 2, 3, 4, 3]]))
    add(module_case("ConvTranspose1d_basic", "ConvTranspose1d",
                    {"in_channels": 2, "out_channels": 3, "kernel_size": 3}, [[2, 2, 5]]))
    add(module_case("ConvTranspose1d_stride_pad_outpad", "ConvTranspose1d",
                    {"in_channels": 2, "out_channels": 2, "kernel_size": 3, "stride": 2,
                     "padding": 1, "output_padding": 1}, [[1, 2, 5]]))
    add(module_case("ConvTranspose1d_groups_dilation", "ConvTranspose1d",
                    {"in_channels": 4, "out_channels": 2, "kernel_size": 2, "groups": 2,
                     "dilation": 2}, [[1, 4, 4]]))
    add(module_case("ConvTranspose2d_basic", "ConvTranspose2d",
                    {"in_channels": 2, "out_channels": 3, "kernel_size": 3}, [[2, 2, 3, 4]]))
    add(module_case("ConvTranspose2d_stride2_pad1_outpad1", "ConvTranspose2d",
                    {"in_channels": 3, "out_channels": 2, "kernel_size": 3, "stride": 2,
                     "padding": 1, "output_padding": 1}, [[1, 3, 3, 3]]))
    add(module_case("ConvTranspose2d_rect_outpad", "ConvTranspose2d",
                    {"in_channels": 2, "out_channels": 2, "kernel_size": [2, 3], "stride": [3, 2],
                     "padding": [0, 1], "output_padding": [2, 1]}, [[1, 2, 3, 3]]))
    add(module_case("ConvTranspose2d_groups2", "ConvTranspose2d",
                    {"in_channels": 4, "out_channels": 6, "kernel_size": 3, "stride": 2,
                     "groups": 2}, [[1, 4, 3, 3]]))
    add(module_case("ConvTranspose2d_dilation_no_bias", "ConvTranspose2d",
                    {"in_channels": 2, "out_channels": 3, "kernel_size": 2, "dilation": 2,
                     "bias": False}, [[2, 2, 3, 3]]))

    # Pooling
    add(module_case("MaxPool1d_basic", "MaxPool1d", {"kernel_size": 2}, [[2, 3, 8]]))
    add(module_case("MaxPool1d_stride_pad", "MaxPool1d",
                    {"kernel_size": 3, "stride": 2, "padding": 1}, [[2, 2, 7]]))
    add(module_case("MaxPool1d_ceil_mode", "MaxPool1d",
                    {"kernel_size": 3, "stride": 2, "ceil_mode": True}, [[1, 2, 8]]))
    add(module_case("MaxPool1d_dilation", "MaxPool1d",
                    {"kernel_size": 2, "stride": 1, "dilation": 2}, [[1, 2, 7]]))
    add(module_case("MaxPool2d_basic", "MaxPool2d", {"kernel_size": 2}, [[2, 2, 4, 6]]))
    add(module_case("MaxPool2d_k3_s2_p1", "MaxPool2d",
                    {"kernel_size": 3, "stride": 2, "padding": 1}, [[1, 2, 5, 6]]))
    add(module_case("MaxPool2d_ceil_mode", "MaxPool2d",
                    {"kernel_size": 2, "stride": 2, "ceil_mode": True}, [[1, 2, 5, 7]]))
    add(module_case("MaxPool2d_ceil_pad", "MaxPool2d",
                    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
                    [[1, 1, 6, 6]]))
    add(module_case("MaxPool2d_rect_dilation", "MaxPool2d",
                    {"kernel_size": [2, 3], "stride": [2, 1], "dilation": [1, 2]}, [[1, 2, 6, 7]]))
    add(module_case("MaxPool2d_overlap_3d_input", "MaxPool2d",
                    {"kernel_size": 3, "stride": 1}, [[2, 4, 5]]))
    add(module_case("AvgPool1d_basic", "AvgPool1d", {"kernel_size": 2}, [[2, 3, 6]]))
    add(module_case("AvgPool1d_pad_include", "AvgPool1d",
                    {"kernel_size": 3, "stride": 2, "padding": 1}, [[1, 2, 7]]))
    add(module_case("AvgPool1d_pad_exclude", "AvgPool1d",
                    {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
                    [[1, 2, 7]]))
    add(module_case("AvgPool1d_ceil_mode", "AvgPool1d",
                    {"kernel_size": 3, "stride": 2, "ceil_mode": True}, [[1, 2, 8]]))
    add(module_case("AvgPool2d_basic", "AvgPool2d", {"kernel_size": 2}, [[2, 2, 4, 4]]))
    add(module_case("AvgPool2d_pad_include", "AvgPool2d",
                    {"kernel_size": 3, "stride": 2, "padding": 1}, [[1, 2, 5, 6]]))
    add(module_case("AvgPool2d_pad_exclude", "AvgPool2d",
                    {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
                    [[1, 2, 5, 6]]))
    add(module_case("AvgPool2d_ceil_mode", "AvgPool2d",
                    {"kernel_size": 2, "stride": 2, "ceil_mode": True}, [[1, 2, 5, 7]]))
    add(module_case("AvgPool2d_ceil_pad_include", "AvgPool2d",
                    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
                    [[1, 1, 6, 6]]))
    add(module_case("AvgPool2d_ceil_pad_exclude", "AvgPool2d",
                    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
                     "count_include_pad": False}, [[1, 1, 6, 6]]))
    add(module_case("AvgPool2d_divisor_override", "AvgPool2d",
                    {"kernel_size": 2, "stride": 1, "divisor_override": 3}, [[1, 2, 3, 4]]))
    add(module_case("AdaptiveAvgPool1d_divisible", "AdaptiveAvgPool1d", {"output_size": 3},
                    [[2, 2, 6]]))
    add(module_case("AdaptiveAvgPool1d_uneven", "AdaptiveAvgPool1d", {"output_size": 3},
                    [[2, 2, 7]]))
    add(module_case("AdaptiveAvgPool1d_upsample", "AdaptiveAvgPool1d", {"output_size": 5},
                    [[1, 2, 3]]))
    add(module_case("AdaptiveAvgPool2d_global", "AdaptiveAvgPool2d", {"output_size": 1},
                    [[2, 3, 4, 5]]))
    add(module_case("AdaptiveAvgPool2d_uneven", "AdaptiveAvgPool2d", {"output_size": [3, 4]},
                    [[1, 2, 5, 7]]))
    add(module_case("AdaptiveAvgPool2d_none_dim", "AdaptiveAvgPool2d", {"output_size": [2, None]},
                    [[1, 2, 5, 3]]))
    add(module_case("AdaptiveMaxPool1d_uneven", "AdaptiveMaxPool1d", {"output_size": 3},
                    [[2, 2, 7]]))
    add(module_case("AdaptiveMaxPool2d_uneven", "AdaptiveMaxPool2d", {"output_size": [2, 3]},
                    [[1, 2, 5, 7]]))

    # Normalisation
    bn = random_running_stats
    add(module_case("BatchNorm1d_2d_train", "BatchNorm1d", {"num_features": 4}, [[6, 4]],
                    train=True, buffers_init=bn))
    add(module_case("BatchNorm1d_3d_train", "BatchNorm1d", {"num_features": 3}, [[4, 3, 5]],
                    train=True, buffers_init=bn))
    add(module_case("BatchNorm1d_2d_eval", "BatchNorm1d", {"num_features": 4}, [[6, 4]],
                    train=False, buffers_init=bn))
    add(module_case("BatchNorm1d_3d_eval", "BatchNorm1d", {"num_features": 3}, [[4, 3, 5]],
                    train=False, buffers_init=bn))
    add(module_case("BatchNorm1d_no_affine_train", "BatchNorm1d",
                    {"num_features": 3, "affine": False, "eps": 1e-3, "momentum": 0.3}, [[5, 3]],
                    train=True, buffers_init=bn))
    add(module_case("BatchNorm2d_train", "BatchNorm2d", {"num_features": 3}, [[2, 3, 3, 4]],
                    train=True, buffers_init=bn))
    add(module_case("BatchNorm2d_eval", "BatchNorm2d", {"num_features": 3}, [[2, 3, 3, 4]],
                    train=False, buffers_init=bn))
    add(module_case("BatchNorm2d_train_cumulative_momentum", "BatchNorm2d",
                    {"num_features": 2, "momentum": None}, [[3, 2, 2, 3]], train=True,
                    buffers_init=bn))
    add(module_case("BatchNorm2d_train_no_running_stats", "BatchNorm2d",
                    {"num_features": 2, "track_running_stats": False}, [[3, 2, 2, 3]], train=True))
    add(module_case("BatchNorm2d_float64_train", "BatchNorm2d", {"num_features": 2},
                    [[2, 2, 3, 3]], train=True, buffers_init=bn, dtype=torch.float64))
    add(module_case("LayerNorm_last_dim", "LayerNorm", {"normalized_shape": [5]}, [[3, 5]]))
    add(module_case("LayerNorm_two_dims", "LayerNorm", {"normalized_shape": [3, 4]},
                    [[2, 3, 4]]))
    add(module_case("LayerNorm_no_affine_eps", "LayerNorm",
                    {"normalized_shape": [6], "eps": 1e-3, "elementwise_affine": False},
                    [[2, 2, 6]]))
    add(module_case("GroupNorm_basic", "GroupNorm", {"num_groups": 2, "num_channels": 4},
                    [[2, 4, 3, 2]]))
    add(module_case("GroupNorm_one_group", "GroupNorm", {"num_groups": 1, "num_channels": 3},
                    [[2, 3, 4]]))
    add(module_case("GroupNorm_per_channel_no_affine", "GroupNorm",
                    {"num_groups": 3, "num_channels": 3, "affine": False, "eps": 1e-3},
                    [[2, 3, 2, 3]]))
    add(module_case("InstanceNorm2d_no_affine", "InstanceNorm2d", {"num_features": 3},
                    [[2, 3, 3, 4]]))
    add(module_case("InstanceNorm2d_affine", "InstanceNorm2d",
                    {"num_features": 3, "affine": True}, [[2, 3, 3, 4]]))
    add(module_case("InstanceNorm1d_affine", "InstanceNorm1d",
                    {"num_features": 2, "affine": True}, [[3, 2, 5]]))

    # Dropout (eval mode only: identity)
    add(module_case("Dropout_eval", "Dropout", {"p": 0.5}, [[3, 4]], train=False))
    add(module_case("Dropout2d_eval", "Dropout2d", {"p": 0.3}, [[2, 3, 2, 2]], train=False))

    # Embedding
    g = torch.Generator().manual_seed(seed_for("Embedding_index_data"))
    idx = torch.randint(0, 6, (3, 4), generator=g)
    add(module_case("Embedding_basic", "Embedding", {"num_embeddings": 6, "embedding_dim": 3},
                    [idx]))
    idx2 = torch.tensor([[0, 2, 4, 2], [4, 4, 1, 0]])
    add(module_case("Embedding_padding_idx", "Embedding",
                    {"num_embeddings": 5, "embedding_dim": 3, "padding_idx": 2}, [idx2]))
    add(module_case("Embedding_negative_padding_idx", "Embedding",
                    {"num_embeddings": 5, "embedding_dim": 2, "padding_idx": -1},
                    [torch.tensor([4, 1, 4, 3, 0])]))

    # Upsampling
    add(module_case("Upsample_nearest_scale2", "Upsample", {"scale_factor": 2.0, "mode": "nearest"},
                    [[1, 2, 2, 3]]))
    add(module_case("Upsample_nearest_size", "Upsample", {"size": [5, 7], "mode": "nearest"},
                    [[1, 2, 2, 3]]))
    add(module_case("Upsample_nearest_1d", "Upsample", {"scale_factor": 3.0, "mode": "nearest"},
                    [[1, 2, 3]]))
    for ac in [False, True]:
        suffix = "align_true" if ac else "align_false"
        add(module_case(f"Upsample_bilinear_scale2_{suffix}", "Upsample",
                        {"scale_factor": 2.0, "mode": "bilinear", "align_corners": ac},
                        [[1, 2, 3, 3]]))
        add(module_case(f"Upsample_bilinear_size_{suffix}", "Upsample",
                        {"size": [5, 7], "mode": "bilinear", "align_corners": ac}, [[2, 1, 3, 4]]))
        add(module_case(f"Upsample_bilinear_scale1_5_{suffix}", "Upsample",
                        {"scale_factor": 1.5, "mode": "bilinear", "align_corners": ac},
                        [[1, 1, 3, 5]]))
        add(module_case(f"Upsample_bilinear_downsample_{suffix}", "Upsample",
                        {"size": [2, 3], "mode": "bilinear", "align_corners": ac}, [[1, 1, 5, 6]]))
    add(module_case("PixelShuffle_2", "PixelShuffle", {"upscale_factor": 2}, [[2, 8, 2, 3]]))
    add(module_case("PixelShuffle_3", "PixelShuffle", {"upscale_factor": 3}, [[1, 9, 2, 2]]))
    add(module_case("PixelUnshuffle_2", "PixelUnshuffle", {"downscale_factor": 2},
                    [[1, 2, 4, 6]]))
    return c


def activation_cases():
    c = []
    add = c.append

    def act(name, kind, args=None, shape=(4, 5), scale=3.0, dtype=torch.float32):
        add(module_case(name, kind, args or {}, [list(shape)], input_scale=scale, dtype=dtype))

    act("ReLU", "ReLU")
    act("ReLU6", "ReLU6", scale=5.0)
    act("LeakyReLU_default", "LeakyReLU")
    act("LeakyReLU_slope0_2", "LeakyReLU", {"negative_slope": 0.2})
    act("PReLU_single", "PReLU")
    act("PReLU_per_channel", "PReLU", {"num_parameters": 3}, shape=(2, 3, 4))
    act("ELU_default", "ELU")
    act("ELU_alpha0_5", "ELU", {"alpha": 0.5})
    act("SELU", "SELU")
    act("CELU_default", "CELU")
    act("CELU_alpha2", "CELU", {"alpha": 2.0})
    act("GELU_none", "GELU", {"approximate": "none"})
    act("GELU_tanh", "GELU", {"approximate": "tanh"})
    act("GELU_float64", "GELU", dtype=torch.float64)
    act("SiLU", "SiLU")
    act("Mish", "Mish")
    act("Sigmoid", "Sigmoid", scale=6.0)
    act("LogSigmoid", "LogSigmoid", scale=6.0)
    act("Tanh", "Tanh")
    act("Hardtanh_default", "Hardtanh", scale=2.0)
    act("Hardtanh_range", "Hardtanh", {"min_val": -0.5, "max_val": 2.0}, scale=2.0)
    act("Hardsigmoid", "Hardsigmoid", scale=4.0)
    act("Hardswish", "Hardswish", scale=4.0)
    act("Softplus_default", "Softplus", scale=8.0)
    act("Softplus_beta2_threshold5", "Softplus", {"beta": 2.0, "threshold": 5.0}, scale=4.0)
    act("Softplus_beta0_5_threshold2", "Softplus", {"beta": 0.5, "threshold": 2.0}, scale=8.0)
    act("Softsign", "Softsign")
    act("Softmax_dim1", "Softmax", {"dim": 1})
    act("Softmax_dim0", "Softmax", {"dim": 0})
    act("Softmax_dim_neg1_3d", "Softmax", {"dim": -1}, shape=(2, 3, 4))
    act("Softmax_dim1_4d", "Softmax", {"dim": 1}, shape=(2, 3, 2, 2))
    act("Softmax_large_values", "Softmax", {"dim": 1}, scale=40.0)
    act("Softmax_float64", "Softmax", {"dim": 1}, dtype=torch.float64)
    act("LogSoftmax_dim1", "LogSoftmax", {"dim": 1})
    act("LogSoftmax_dim0_3d", "LogSoftmax", {"dim": 0}, shape=(3, 2, 4))
    act("LogSoftmax_large_values", "LogSoftmax", {"dim": -1}, scale=40.0)
    act("Softmin_dim1", "Softmin", {"dim": 1})
    act("GLU_default", "GLU", shape=(3, 6))
    act("GLU_dim1", "GLU", {"dim": 1}, shape=(2, 4, 3))
    act("Threshold", "Threshold", {"threshold": 0.5, "value": -2.0})
    act("Tanhshrink", "Tanhshrink")
    act("Softshrink", "Softshrink", {"lambd": 0.5})
    act("Hardshrink", "Hardshrink", {"lambd": 0.5})
    return c


# ----------------------------------------------------------------------------------------------
# Losses
# ----------------------------------------------------------------------------------------------

def loss_case(name, kind, args, inputs, differentiable, dtype=torch.float32):
    """`inputs` are ready tensors; `differentiable[i]` says whether input i gets a gradient."""
    g = torch.Generator().manual_seed(seed_for(name))
    ctor_args = {k: (v.to(dtype) if isinstance(v, torch.Tensor) else v) for k, v in args.items()}
    loss = getattr(nn, kind)(**ctor_args)
    xs = []
    for x, d in zip(inputs, differentiable):
        x = x.clone()
        if x.is_floating_point():
            x = x.to(dtype)
        if d:
            x.requires_grad_(True)
        xs.append(x)
    out = loss(*xs)
    grad_out = randn(g, *out.shape, dtype=out.dtype)
    diff = [x for x in xs if x.requires_grad]
    grads = list(torch.autograd.grad(out, diff, grad_out, allow_unused=True))
    grad_inputs = []
    for x in xs:
        if x.requires_grad:
            gi = grads.pop(0)
            grad_inputs.append(enc(gi if gi is not None else torch.zeros_like(x)))
        else:
            grad_inputs.append(None)
    return {
        "name": name,
        "kind": kind,
        "args": enc_value(ctor_args),
        "train": False,
        "params": {},
        "inputs": [enc(x) for x in xs],
        "output": enc(out),
        "grad_output": enc(grad_out),
        "grad_inputs": grad_inputs,
        "grad_params": {},
    }


def loss_cases():
    c = []
    reductions = ["mean", "sum", "none"]

    def g_for(tag):
        return torch.Generator().manual_seed(seed_for(tag))

    def each(base, kind, args, make_inputs, diff, dtype=torch.float32, reds=reductions):
        for r in reds:
            a = dict(args)
            a["reduction"] = r
            c.append(loss_case(f"{base}_{r}", kind, a, make_inputs(g_for(base)), diff, dtype))

    # Regression losses: gradients with respect to input and target.
    reg = lambda g: [randn(g, 3, 4), randn(g, 3, 4)]
    each("MSELoss", "MSELoss", {}, reg, [True, True])
    each("L1Loss", "L1Loss", {}, reg, [True, True])
    each("SmoothL1Loss_default", "SmoothL1Loss", {}, lambda g: [randn(g, 3, 4, scale=1.5),
                                                                 randn(g, 3, 4)], [True, True])
    each("SmoothL1Loss_beta0_5", "SmoothL1Loss", {"beta": 0.5},
         lambda g: [randn(g, 3, 4), randn(g, 3, 4)], [True, True])
    each("HuberLoss_default", "HuberLoss", {}, lambda g: [randn(g, 3, 4, scale=1.5),
                                                          randn(g, 3, 4)], [True, True])
    each("HuberLoss_delta2", "HuberLoss", {"delta": 2.0},
         lambda g: [randn(g, 3, 4, scale=2.0), randn(g, 3, 4)], [True, True])
    each("MSELoss_float64", "MSELoss", {}, reg, [True, True], dtype=torch.float64,
         reds=["mean"])

    # Cross entropy.
    N, C = 4, 5
    idx = lambda g: [randn(g, N, C, scale=2.0), torch.randint(0, C, (N,), generator=g)]
    each("CrossEntropyLoss_indices", "CrossEntropyLoss", {}, idx, [True, False])
    each("CrossEntropyLoss_float64", "CrossEntropyLoss", {}, idx, [True, False],
         dtype=torch.float64, reds=["mean"])

    def probs(g):
        return [randn(g, N, C, scale=2.0), torch.softmax(randn(g, N, C), dim=1)]
    each("CrossEntropyLoss_probabilities", "CrossEntropyLoss", {}, probs, [True, True])
    w = rand(g_for("ce_weight"), C, low=0.2, high=2.0)
    each("CrossEntropyLoss_weight", "CrossEntropyLoss", {"weight": w}, idx, [True, False])
    each("CrossEntropyLoss_weight_probabilities", "CrossEntropyLoss", {"weight": w}, probs,
         [True, True])

    def idx_with_ignored(g):
        x = randn(g, N + 2, C, scale=2.0)
        t = torch.randint(0, C, (N + 2,), generator=g)
        t[1] = -100
        t[4] = -100
        return [x, t]
    each("CrossEntropyLoss_ignore_index_default", "CrossEntropyLoss", {}, idx_with_ignored,
         [True, False])

    def idx_with_ignored3(g):
        x = randn(g, N + 1, C, scale=2.0)
        t = torch.tensor([3, 0, 3, 1, 4])
        return [x, t]
    each("CrossEntropyLoss_ignore_index3", "CrossEntropyLoss", {"ignore_index": 3},
         idx_with_ignored3, [True, False])
    each("CrossEntropyLoss_label_smoothing", "CrossEntropyLoss", {"label_smoothing": 0.1}, idx,
         [True, False])
    each("CrossEntropyLoss_label_smoothing_probabilities", "CrossEntropyLoss",
         {"label_smoothing": 0.2}, probs, [True, True])
    each("CrossEntropyLoss_weight_ignore_smoothing", "CrossEntropyLoss",
         {"weight": w, "ignore_index": 3, "label_smoothing": 0.15}, idx_with_ignored3,
         [True, False])

    def kdim(g):
        return [randn(g, 2, 4, 3, scale=2.0), torch.randint(0, 4, (2, 3), generator=g)]
    each("CrossEntropyLoss_kdim", "CrossEntropyLoss", {}, kdim, [True, False])
    each("CrossEntropyLoss_kdim_weight", "CrossEntropyLoss",
         {"weight": rand(g_for("ce_kdim_w"), 4, low=0.2, high=2.0)}, kdim, [True, False])

    def kdim_probs(g):
        return [randn(g, 2, 4, 3, scale=2.0), torch.softmax(randn(g, 2, 4, 3), dim=1)]
    each("CrossEntropyLoss_kdim_probabilities", "CrossEntropyLoss", {}, kdim_probs,
         [True, True])

    def unbatched(g):
        return [randn(g, C, scale=2.0), torch.tensor(2)]
    each("CrossEntropyLoss_unbatched", "CrossEntropyLoss", {}, unbatched, [True, False],
         reds=["mean", "none"])

    # NLL.
    def logp(g):
        return [torch.log_softmax(randn(g, N, C, scale=2.0), dim=1),
                torch.randint(0, C, (N,), generator=g)]
    each("NLLLoss", "NLLLoss", {}, logp, [True, False])
    each("NLLLoss_weight", "NLLLoss", {"weight": w}, logp, [True, False])

    def logp_ignored(g):
        return [torch.log_softmax(randn(g, 5, C, scale=2.0), dim=1), torch.tensor([1, 2, 1, 0, 4])]
    each("NLLLoss_ignore_index", "NLLLoss", {"ignore_index": 1}, logp_ignored, [True, False])
    each("NLLLoss_weight_ignore_index", "NLLLoss", {"weight": w, "ignore_index": 1},
         logp_ignored, [True, False])

    def logp_kdim(g):
        return [torch.log_softmax(randn(g, 2, 3, 2, 2), dim=1),
                torch.randint(0, 3, (2, 2, 2), generator=g)]
    each("NLLLoss_kdim", "NLLLoss", {}, logp_kdim, [True, False])

    # Binary cross entropy (BCE target gradient is not implemented by PyTorch 1.13).
    def bce(g):
        return [torch.sigmoid(randn(g, 3, 4, scale=2.0)), rand(g, 3, 4)]
    each("BCELoss", "BCELoss", {}, bce, [True, False])
    each("BCELoss_weight", "BCELoss", {"weight": rand(g_for("bce_w"), 3, 4, low=0.5, high=1.5)},
         bce, [True, False])
    each("BCELoss_weight_broadcast", "BCELoss", {"weight": rand(g_for("bce_wb"), 4, low=0.5,
                                                                 high=1.5)}, bce, [True, False])

    def bcel(g):
        return [randn(g, 3, 4, scale=3.0), rand(g, 3, 4)]
    each("BCEWithLogitsLoss", "BCEWithLogitsLoss", {}, bcel, [True, True])
    each("BCEWithLogitsLoss_weight", "BCEWithLogitsLoss",
         {"weight": rand(g_for("bcel_w"), 3, 4, low=0.5, high=1.5)}, bcel, [True, True])
    each("BCEWithLogitsLoss_pos_weight", "BCEWithLogitsLoss",
         {"pos_weight": rand(g_for("bcel_pw"), 4, low=0.5, high=3.0)}, bcel, [True, True])
    each("BCEWithLogitsLoss_weight_pos_weight", "BCEWithLogitsLoss",
         {"weight": rand(g_for("bcel_w2"), 4, low=0.5, high=1.5),
          "pos_weight": rand(g_for("bcel_pw2"), 4, low=0.5, high=3.0)}, bcel, [True, True])

    def bcel_large(g):
        return [randn(g, 2, 5, scale=30.0), rand(g, 2, 5)]
    each("BCEWithLogitsLoss_large_logits", "BCEWithLogitsLoss", {}, bcel_large, [True, True],
         reds=["mean"])

    # KL divergence.
    def kl(g):
        return [torch.log_softmax(randn(g, 3, 4), dim=1), torch.softmax(randn(g, 3, 4), dim=1)]

    def kl_log(g):
        return [torch.log_softmax(randn(g, 3, 4), dim=1), torch.log_softmax(randn(g, 3, 4), dim=1)]
    kl_reds = ["mean", "sum", "none", "batchmean"]
    each("KLDivLoss", "KLDivLoss", {"log_target": False}, kl, [True, True], reds=kl_reds)
    each("KLDivLoss_log_target", "KLDivLoss", {"log_target": True}, kl_log, [True, True],
         reds=kl_reds)

    # Embedding / ranking losses; the +-1 labels are not differentiated.
    def cos(g):
        return [randn(g, 4, 5), randn(g, 4, 5), torch.tensor([1.0, -1.0, -1.0, 1.0])]
    each("CosineEmbeddingLoss", "CosineEmbeddingLoss", {}, cos, [True, True, False])
    each("CosineEmbeddingLoss_margin", "CosineEmbeddingLoss", {"margin": -0.2}, cos,
         [True, True, False])

    def rank(g):
        return [randn(g, 6), randn(g, 6), torch.tensor([1.0, -1.0, 1.0, 1.0, -1.0, -1.0])]
    each("MarginRankingLoss", "MarginRankingLoss", {}, rank, [True, True, False])
    each("MarginRankingLoss_margin", "MarginRankingLoss", {"margin": 0.5}, rank,
         [True, True, False])

    def trip(g):
        return [randn(g, 4, 5), randn(g, 4, 5), randn(g, 4, 5)]
    each("TripletMarginLoss", "TripletMarginLoss", {}, trip, [True, True, True])
    each("TripletMarginLoss_p1_margin2", "TripletMarginLoss", {"margin": 2.0, "p": 1.0}, trip,
         [True, True, True])
    each("TripletMarginLoss_swap", "TripletMarginLoss", {"swap": True, "margin": 1.5}, trip,
         [True, True, True])
    return c


# ----------------------------------------------------------------------------------------------
# Initialisers
# ----------------------------------------------------------------------------------------------

def init_cases():
    init = nn.init
    c = []
    gains = [("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None),
             ("conv_transpose1d", None), ("conv_transpose2d", None), ("conv_transpose3d", None),
             ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
             ("leaky_relu", 0.2), ("leaky_relu", 0.0), ("leaky_relu", math.sqrt(5)), ("selu", None)]
    for nl, param in gains:
        name = f"calculate_gain_{nl}" + ("" if param is None else f"_{param:g}")
        c.append({"name": name, "kind": "calculate_gain",
                  "args": {"nonlinearity": nl, "param": param},
                  "value": init.calculate_gain(nl, param)})

    shapes = [[5, 3], [3, 5], [6, 4, 3], [8, 3, 3, 3], [4, 2, 3, 5], [2, 3, 2, 2, 2], [7, 1], [0, 4]]
    for shape in shapes:
        w = torch.empty(tuple(shape))
        fan_in, fan_out = init._calculate_fan_in_and_fan_out(w)
        c.append({"name": "fans_" + "x".join(map(str, shape)), "kind": "fan_in_and_fan_out",
                  "args": {"shape": shape}, "fan_in": fan_in, "fan_out": fan_out})
    for shape in [[5], []]:
        try:
            init._calculate_fan_in_and_fan_out(torch.empty(tuple(shape)))
            raise AssertionError("expected an error")
        except ValueError as e:
            c.append({"name": "fans_rank" + str(len(shape)) + "_error",
                      "kind": "fan_in_and_fan_out", "args": {"shape": shape},
                      "error": str(e)})

    # Expected bound (uniform) and std (normal) of the random initialisers. The samples themselves
    # depend on PyTorch's generator, so only these parameters can be compared exactly.
    def check_uniform(w, bound):
        assert w.abs().max().item() <= bound * (1 + 1e-6)

    for shape in [[6, 5], [8, 3, 3, 3], [4, 6, 3]]:
        tag = "x".join(map(str, shape))
        for mode in ["fan_in", "fan_out"]:
            for nl, a in [("leaky_relu", 0.0), ("relu", 0.0), ("leaky_relu", math.sqrt(5)),
                          ("leaky_relu", 0.1), ("tanh", 0.0)]:
                fan = init._calculate_correct_fan(torch.empty(tuple(shape)), mode)
                gain = init.calculate_gain(nl, a)
                std = gain / math.sqrt(fan)
                bound = math.sqrt(3.0) * std
                w = torch.empty(tuple(shape))
                init.kaiming_uniform_(w, a=a, mode=mode, nonlinearity=nl)
                check_uniform(w, bound)
                atag = f"{a:g}".replace(".", "_")
                c.append({"name": f"kaiming_uniform_{tag}_{mode}_{nl}_a{atag}",
                          "kind": "kaiming_uniform_",
                          "args": {"shape": shape, "a": a, "mode": mode, "nonlinearity": nl},
                          "fan": fan, "gain": gain, "bound": bound})
                c.append({"name": f"kaiming_normal_{tag}_{mode}_{nl}_a{atag}",
                          "kind": "kaiming_normal_",
                          "args": {"shape": shape, "a": a, "mode": mode, "nonlinearity": nl},
                          "fan": fan, "gain": gain, "std": std})
        for gain in [1.0, init.calculate_gain("relu")]:
            fan_in, fan_out = init._calculate_fan_in_and_fan_out(torch.empty(tuple(shape)))
            std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
            bound = math.sqrt(3.0) * std
            w = torch.empty(tuple(shape))
            init.xavier_uniform_(w, gain=gain)
            check_uniform(w, bound)
            gtag = f"{gain:.4f}".replace(".", "_")
            c.append({"name": f"xavier_uniform_{tag}_gain{gtag}", "kind": "xavier_uniform_",
                      "args": {"shape": shape, "gain": gain}, "bound": bound})
            c.append({"name": f"xavier_normal_{tag}_gain{gtag}", "kind": "xavier_normal_",
                      "args": {"shape": shape, "gain": gain}, "std": std})

    # Default initialisation of modules (reset_parameters): the distribution of each parameter.
    def default_init(name, kind, args, dists):
        def make():
            return getattr(nn, kind)(**{k: (tuple(v) if isinstance(v, list) else v)
                                        for k, v in args.items()})
        m = make()
        # Pool many re-initialisations so that the recorded bound/std is checked to be tight.
        samples = {k: [] for k, _ in m.named_parameters()}
        for _ in range(200):
            m = make()
            for k, p in m.named_parameters():
                samples[k].append(p.detach().reshape(-1).clone())
        out = {}
        for pname, p in m.named_parameters():
            d = dists[pname]
            pooled = torch.cat(samples[pname])
            if d[0] == "uniform":
                check_uniform(pooled, d[1])
                assert pooled.abs().max().item() > 0.98 * d[1], (name, pname)
                out[pname] = {"shape": list(p.shape), "distribution": "uniform", "bound": d[1]}
            elif d[0] == "normal":
                assert abs(pooled.std().item() / d[1] - 1) < 0.05, (name, pname)
                out[pname] = {"shape": list(p.shape), "distribution": "normal", "mean": 0.0,
                              "std": d[1]}
            else:
                assert torch.all(p == d[1]).item()
                out[pname] = {"shape": list(p.shape), "distribution": "constant", "value": d[1]}
        assert set(out) == {k for k, _ in m.named_parameters()}
        c.append({"name": name, "kind": "default_init", "args": {"module": kind, **args},
                  "params": out})

    inv = lambda n: 1.0 / math.sqrt(n)
    default_init("default_Linear", "Linear", {"in_features": 7, "out_features": 3},
                 {"weight": ("uniform", inv(7)), "bias": ("uniform", inv(7))})
    default_init("default_Bilinear", "Bilinear",
                 {"in1_features": 4, "in2_features": 6, "out_features": 3},
                 {"weight": ("uniform", inv(4)), "bias": ("uniform", inv(4))})
    default_init("default_Conv1d", "Conv1d", {"in_channels": 3, "out_channels": 4,
                                              "kernel_size": 5},
                 {"weight": ("uniform", inv(15)), "bias": ("uniform", inv(15))})
    default_init("default_Conv2d", "Conv2d", {"in_channels": 3, "out_channels": 4,
                                              "kernel_size": 3},
                 {"weight": ("uniform", inv(27)), "bias": ("uniform", inv(27))})
    default_init("default_Conv2d_groups", "Conv2d", {"in_channels": 4, "out_channels": 6,
                                                     "kernel_size": [2, 3], "groups": 2},
                 {"weight": ("uniform", inv(12)), "bias": ("uniform", inv(12))})
    # ConvTranspose weight is (in, out/groups, k...): PyTorch's fan_in is out/groups * prod(k).
    default_init("default_ConvTranspose2d", "ConvTranspose2d",
                 {"in_channels": 3, "out_channels": 5, "kernel_size": 2},
                 {"weight": ("uniform", inv(20)), "bias": ("uniform", inv(20))})
    default_init("default_ConvTranspose1d_groups", "ConvTranspose1d",
                 {"in_channels": 4, "out_channels": 6, "kernel_size": 3, "groups": 2},
                 {"weight": ("uniform", inv(9)), "bias": ("uniform", inv(9))})
    default_init("default_Embedding", "Embedding", {"num_embeddings": 10, "embedding_dim": 4},
                 {"weight": ("normal", 1.0)})
    default_init("default_BatchNorm2d", "BatchNorm2d", {"num_features": 3},
                 {"weight": ("constant", 1.0), "bias": ("constant", 0.0)})
    default_init("default_LayerNorm", "LayerNorm", {"normalized_shape": [4]},
                 {"weight": ("constant", 1.0), "bias": ("constant", 0.0)})
    default_init("default_GroupNorm", "GroupNorm", {"num_groups": 2, "num_channels": 4},
                 {"weight": ("constant", 1.0), "bias": ("constant", 0.0)})
    default_init("default_PReLU", "PReLU", {"num_parameters": 3},
                 {"weight": ("constant", 0.25)})

    # Deterministic initialisers.
    for shape in [[3, 3], [2, 4], [4, 2]]:
        w = torch.empty(tuple(shape))
        init.eye_(w)
        c.append({"name": "eye_" + "x".join(map(str, shape)), "kind": "eye_",
                  "args": {"shape": shape}, "output": enc(w)})
    for shape, groups in [([3, 3, 3], 1), ([4, 2, 3, 3], 1), ([2, 4, 3, 3], 1),
                          ([4, 2, 3, 3], 2), ([2, 2, 3, 3, 3], 1)]:
        w = torch.empty(tuple(shape))
        init.dirac_(w, groups)
        c.append({"name": f"dirac_{'x'.join(map(str, shape))}_g{groups}", "kind": "dirac_",
                  "args": {"shape": shape, "groups": groups}, "output": enc(w)})
    return c


# ----------------------------------------------------------------------------------------------
# Optimisers and gradient clipping
# ----------------------------------------------------------------------------------------------

OPT_STEPS = 10


def optimizer_case(name, kind, args, groups=None):
    """10-step trajectory of two parameters ([3, 4] and [4]) under fixed gradients."""
    g = torch.Generator().manual_seed(seed_for(name))
    p0 = randn(g, 3, 4)
    p1 = randn(g, 4)
    params = [p0.clone().requires_grad_(True), p1.clone().requires_grad_(True)]
    ctor_args = {k: (tuple(v) if isinstance(v, list) else v) for k, v in args.items()}
    if groups is None:
        groups = [{"params": [0, 1]}]
    torch_groups = [dict({k: v for k, v in gr.items() if k != "params"},
                         params=[params[i] for i in gr["params"]]) for gr in groups]
    opt = getattr(torch.optim, kind)(torch_groups, **ctor_args)
    grads, traj = [], []
    for _ in range(OPT_STEPS):
        gs = [randn(g, *p.shape) for p in params]
        for p, gr in zip(params, gs):
            p.grad = gr.clone()
        opt.step()
        grads.append([enc(x) for x in gs])
        traj.append([enc(p) for p in params])
    sd = opt.state_dict()
    state = []
    for i in range(len(params)):
        s = sd["state"].get(i, {})
        # PyTorch 1.13 keeps "step" as a scalar tensor for some optimisers and as an int for
        # others; it is written as a plain number everywhere.
        state.append({k: (float(v) if k == "step" else enc_value(v)) for k, v in s.items()})
    resolved = []
    for gr in sd["param_groups"]:
        resolved.append({k: enc_value(v) for k, v in gr.items()})
    return {
        "name": name,
        "kind": kind,
        "args": enc_value(args),
        "param_groups": groups,
        "params_initial": [enc(p0), enc(p1)],
        "grads": grads,
        "params": traj,
        "state": state,
        "param_groups_resolved": resolved,
    }


def optimizer_cases():
    c = []
    add = lambda *a, **k: c.append(optimizer_case(*a, **k))
    add("SGD_plain", "SGD", {"lr": 0.1})
    add("SGD_momentum", "SGD", {"lr": 0.1, "momentum": 0.9})
    add("SGD_momentum_dampening", "SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.5})
    add("SGD_nesterov", "SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True})
    add("SGD_weight_decay", "SGD", {"lr": 0.1, "weight_decay": 0.01})
    add("SGD_momentum_weight_decay", "SGD", {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.1})
    add("SGD_maximize", "SGD", {"lr": 0.1, "momentum": 0.5, "maximize": True})
    add("Adam_default", "Adam", {})
    add("Adam_lr_betas_eps", "Adam", {"lr": 0.01, "betas": [0.8, 0.95], "eps": 1e-6})
    add("Adam_amsgrad", "Adam", {"lr": 0.01, "amsgrad": True})
    add("Adam_weight_decay", "Adam", {"lr": 0.01, "weight_decay": 0.1})
    add("AdamW_default", "AdamW", {})
    add("AdamW_lr_weight_decay", "AdamW", {"lr": 0.01, "weight_decay": 0.1})
    add("AdamW_amsgrad", "AdamW", {"lr": 0.01, "amsgrad": True})
    add("RMSprop_default", "RMSprop", {})
    add("RMSprop_alpha", "RMSprop", {"lr": 0.01, "alpha": 0.9})
    add("RMSprop_centered", "RMSprop", {"lr": 0.01, "centered": True})
    add("RMSprop_momentum", "RMSprop", {"lr": 0.01, "momentum": 0.9})
    add("RMSprop_centered_momentum", "RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5})
    add("RMSprop_weight_decay", "RMSprop", {"lr": 0.01, "weight_decay": 0.1})
    add("Adagrad_default", "Adagrad", {})
    add("Adagrad_lr_decay", "Adagrad", {"lr": 0.1, "lr_decay": 0.05})
    add("Adagrad_weight_decay", "Adagrad", {"lr": 0.1, "weight_decay": 0.1})
    add("Adagrad_initial_accumulator", "Adagrad",
        {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-8})
    add("SGD_two_groups", "SGD", {"lr": 0.1, "momentum": 0.9},
        groups=[{"params": [0]}, {"params": [1], "lr": 0.01}])
    add("Adam_two_groups", "Adam", {"lr": 0.01},
        groups=[{"params": [0], "lr": 0.05}, {"params": [1], "weight_decay": 0.1}])

    # Gradient clipping: inputs are the gradients of two parameters, outputs the clipped ones.
    def clip_norm(name, max_norm, norm_type, scale):
        g = torch.Generator().manual_seed(seed_for(name))
        ps = [torch.zeros(3, 4, requires_grad=True), torch.zeros(5, requires_grad=True)]
        gs = [randn(g, *p.shape, scale=scale) for p in ps]
        for p, gr in zip(ps, gs):
            p.grad = gr.clone()
        total = nn.utils.clip_grad_norm_(ps, max_norm=max_norm, norm_type=norm_type)
        c.append({"name": name, "kind": "clip_grad_norm_",
                  "args": {"max_norm": max_norm,
                           "norm_type": "inf" if math.isinf(norm_type) else norm_type},
                  "inputs": [enc(x) for x in gs], "outputs": [enc(p.grad) for p in ps],
                  "total_norm": enc(total)})

    clip_norm("clip_grad_norm_l2_clipped", 1.0, 2.0, 1.0)
    clip_norm("clip_grad_norm_l2_not_clipped", 100.0, 2.0, 1.0)
    clip_norm("clip_grad_norm_inf_clipped", 0.5, math.inf, 1.0)
    clip_norm("clip_grad_norm_inf_not_clipped", 10.0, math.inf, 1.0)
    clip_norm("clip_grad_norm_l1_clipped", 2.0, 1.0, 1.0)

    def clip_value(name, clip):
        g = torch.Generator().manual_seed(seed_for(name))
        ps = [torch.zeros(3, 4, requires_grad=True), torch.zeros(5, requires_grad=True)]
        gs = [randn(g, *p.shape, scale=1.5) for p in ps]
        for p, gr in zip(ps, gs):
            p.grad = gr.clone()
        nn.utils.clip_grad_value_(ps, clip_value=clip)
        c.append({"name": name, "kind": "clip_grad_value_", "args": {"clip_value": clip},
                  "inputs": [enc(x) for x in gs], "outputs": [enc(p.grad) for p in ps]})

    clip_value("clip_grad_value_0_5", 0.5)
    clip_value("clip_grad_value_1", 1.0)
    return c


# ----------------------------------------------------------------------------------------------
# Learning-rate schedules
# ----------------------------------------------------------------------------------------------

SCHED_STEPS = 30


def schedule_case(name, kind, args, opt_kind="SGD", opt_args=None, metrics=None):
    p = torch.zeros(2, requires_grad=True)
    opt_args = opt_args or {"lr": 0.1}
    opt = getattr(torch.optim, opt_kind)([p], **opt_args)
    sched = getattr(lr_scheduler, kind)(opt, **args)
    group = opt.param_groups[0]
    track_momentum = "momentum" in group and kind == "OneCycleLR"
    track_beta1 = "betas" in group and kind == "OneCycleLR"
    case = {"name": name, "kind": kind, "args": enc_value(args),
            "optimizer": {"kind": opt_kind, "args": enc_value(opt_args)},
            "steps": SCHED_STEPS, "lr_initial": group["lr"], "lr": []}
    if metrics is not None:
        case["metrics"] = metrics
    if track_momentum:
        case["momentum_initial"] = group["momentum"]
        case["momentum"] = []
    if track_beta1:
        case["beta1_initial"] = group["betas"][0]
        case["beta1"] = []
    for i in range(SCHED_STEPS):
        opt.step()
        if metrics is not None:
            sched.step(metrics[i])
        else:
            sched.step()
        case["lr"].append(group["lr"])
        if track_momentum:
            case["momentum"].append(group["momentum"])
        if track_beta1:
            case["beta1"].append(group["betas"][0])
    return case


def schedule_cases():
    c = []
    add = lambda *a, **k: c.append(schedule_case(*a, **k))
    add("StepLR", "StepLR", {"step_size": 7})
    add("StepLR_gamma0_5", "StepLR", {"step_size": 4, "gamma": 0.5})
    add("MultiStepLR", "MultiStepLR", {"milestones": [5, 12, 20]})
    add("MultiStepLR_repeated_milestone", "MultiStepLR", {"milestones": [3, 10, 10], "gamma": 0.5})
    add("ExponentialLR", "ExponentialLR", {"gamma": 0.9})
    add("CosineAnnealingLR_Tmax30", "CosineAnnealingLR", {"T_max": 30})
    add("CosineAnnealingLR_eta_min", "CosineAnnealingLR", {"T_max": 20, "eta_min": 0.01})
    add("CosineAnnealingLR_past_Tmax", "CosineAnnealingLR", {"T_max": 10, "eta_min": 0.001})
    # total_steps = 31 so that 30 scheduler steps end exactly at the last one.
    add("OneCycleLR_cos_sgd", "OneCycleLR", {"max_lr": 1.0, "total_steps": 31},
        opt_args={"lr": 0.1, "momentum": 0.9})
    add("OneCycleLR_linear_sgd", "OneCycleLR",
        {"max_lr": 0.5, "total_steps": 31, "anneal_strategy": "linear", "pct_start": 0.4,
         "div_factor": 10.0, "final_div_factor": 100.0}, opt_args={"lr": 0.1, "momentum": 0.9})
    add("OneCycleLR_cos_adam", "OneCycleLR",
        {"max_lr": 0.01, "total_steps": 31, "base_momentum": 0.8, "max_momentum": 0.9},
        opt_kind="Adam", opt_args={"lr": 0.001})
    add("OneCycleLR_linear_adam_three_phase", "OneCycleLR",
        {"max_lr": 0.01, "total_steps": 31, "anneal_strategy": "linear", "three_phase": True},
        opt_kind="Adam", opt_args={"lr": 0.001})
    add("OneCycleLR_epochs_steps_per_epoch", "OneCycleLR",
        {"max_lr": 0.2, "epochs": 4, "steps_per_epoch": 8}, opt_args={"lr": 0.1, "momentum": 0.9})

    plateau_min = [1.0, 0.9, 0.8, 0.8, 0.8, 0.8, 0.79999, 0.8, 0.7, 0.7,
                   0.7, 0.7, 0.7, 0.7, 0.69, 0.69, 0.69, 0.69, 0.69, 0.69,
                   0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
    plateau_max = [0.1, 0.2, 0.3, 0.3, 0.3, 0.3, 0.30001, 0.3, 0.4, 0.4,
                   0.4, 0.4, 0.4, 0.4, 0.41, 0.41, 0.41, 0.41, 0.41, 0.41,
                   0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]
    add("ReduceLROnPlateau_min", "ReduceLROnPlateau", {"mode": "min", "factor": 0.5,
                                                      "patience": 2}, metrics=plateau_min)
    add("ReduceLROnPlateau_max", "ReduceLROnPlateau", {"mode": "max", "factor": 0.5,
                                                      "patience": 2}, metrics=plateau_max)
    add("ReduceLROnPlateau_min_defaults", "ReduceLROnPlateau", {}, metrics=plateau_min)
    add("ReduceLROnPlateau_min_cooldown_min_lr", "ReduceLROnPlateau",
        {"mode": "min", "factor": 0.1, "patience": 1, "cooldown": 2, "min_lr": 0.0005},
        metrics=plateau_min)
    add("ReduceLROnPlateau_max_abs_threshold", "ReduceLROnPlateau",
        {"mode": "max", "factor": 0.5, "patience": 1, "threshold": 0.05,
         "threshold_mode": "abs"}, metrics=plateau_max)
    add("ReduceLROnPlateau_min_eps", "ReduceLROnPlateau",
        {"mode": "min", "factor": 0.5, "patience": 0, "min_lr": 0.0, "eps": 0.02},
        opt_args={"lr": 0.05}, metrics=plateau_min)
    return c


# ----------------------------------------------------------------------------------------------
# Recurrent layers and cells
# ----------------------------------------------------------------------------------------------

RNN_CELLS = ("RNNCell", "LSTMCell", "GRUCell")


def recurrent_case(name, kind, args, input_shape, *, hx=False, lengths=None, enforce_sorted=True,
                   dtype=torch.float32, train=False):
    """Build `kind(**args)` with seeded parameters and run it on a seeded input.

    The loss is sum(output * grad_output) + sum(h_n * grad_h_n) (+ sum(c_n * grad_c_n)); its gradients
    with respect to the input, the initial states and every parameter are recorded. With `lengths`
    the input is packed with pack_padded_sequence and the output unpacked with pad_packed_sequence.
    For the cells, `output` is h' and `c_n` is c' (LSTMCell).
    """
    g = torch.Generator().manual_seed(seed_for(name))
    module = getattr(nn, kind)(**args).to(dtype)
    module.train(train)
    with torch.no_grad():
        for _, p in module.named_parameters():
            p.copy_(randn(g, *p.shape, dtype=dtype, scale=0.5))
    x = randn(g, *input_shape, dtype=dtype).requires_grad_(True)
    cell = kind in RNN_CELLS
    lstm = kind in ("LSTM", "LSTMCell")
    batched = len(input_shape) == (2 if cell else 3)
    states = None
    if hx:
        if cell:
            shape_h = [input_shape[0], args["hidden_size"]] if batched else [args["hidden_size"]]
            shape_c = shape_h
        else:
            d = 2 if args.get("bidirectional", False) else 1
            layers = d * args.get("num_layers", 1)
            batch = input_shape[0 if args.get("batch_first", False) else 1]
            h_out = args.get("proj_size", 0) or args["hidden_size"]
            shape_h = [layers, batch, h_out] if batched else [layers, h_out]
            shape_c = [layers, batch, args["hidden_size"]] if batched else [layers, args["hidden_size"]]
        states = [randn(g, *shape_h, dtype=dtype).requires_grad_(True)]
        if lstm:
            states.append(randn(g, *shape_c, dtype=dtype).requires_grad_(True))
    hx_arg = None if states is None else (tuple(states) if lstm else states[0])

    packed_info = None
    if cell:
        out = module(x, hx_arg)
        if lstm:
            out, c_n = out
        else:
            c_n = None
        h_n = None
    else:
        inp = x
        if lengths is not None:
            inp = nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lengths), batch_first=args.get("batch_first", False),
                                                    enforce_sorted=enforce_sorted)
            packed_info = {
                "data": enc(inp.data),
                "batch_sizes": enc(inp.batch_sizes),
                "sorted_indices": enc(inp.sorted_indices),
                "unsorted_indices": enc(inp.unsorted_indices),
            }
        out, state = module(inp, hx_arg)
        if lengths is not None:
            out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=args.get("batch_first", False),
                                                      total_length=input_shape[1 if args.get("batch_first", False) else 0])
        h_n, c_n = state if lstm else (state, None)

    grad_out = randn(g, *out.shape, dtype=dtype)
    loss = (out * grad_out).sum()
    grad_h = grad_c = None
    if h_n is not None:
        grad_h = randn(g, *h_n.shape, dtype=dtype)
        loss = loss + (h_n * grad_h).sum()
    if c_n is not None:
        grad_c = randn(g, *c_n.shape, dtype=dtype)
        loss = loss + (c_n * grad_c).sum()
    diff = [x] + (states or []) + list(module.parameters())
    grads = list(torch.autograd.grad(loss, diff, allow_unused=True))
    grads = [gr if gr is not None else torch.zeros_like(v) for gr, v in zip(grads, diff)]
    grad_x = grads.pop(0)
    grad_states = [grads.pop(0) for _ in (states or [])]
    case = {
        "name": name,
        "kind": kind,
        "args": enc_value(args),
        "train": train,
        "params": {k: enc(p) for k, p in module.named_parameters()},
        "input": enc(x),
        "lengths": lengths,
        "enforce_sorted": enforce_sorted,
        "hx": None if states is None else [enc(s_) for s_ in states],
        "output": enc(out),
        "h_n": enc(h_n),
        "c_n": enc(c_n),
        "grad_output": enc(grad_out),
        "grad_h_n": enc(grad_h),
        "grad_c_n": enc(grad_c),
        "grad_input": enc(grad_x),
        "grad_hx": None if states is None else [enc(s_) for s_ in grad_states],
        "grad_params": {k: enc(gp) for (k, _), gp in zip(module.named_parameters(), grads)},
    }
    if packed_info is not None:
        case["packed"] = packed_info
    return case


def recurrent_cases():
    c = []
    add = c.append
    f64 = torch.float64

    # RNN
    add(recurrent_case("RNN_tanh", "RNN", {"input_size": 4, "hidden_size": 5}, [6, 3, 4]))
    add(recurrent_case("RNN_relu_2layers_hx", "RNN",
                       {"input_size": 3, "hidden_size": 4, "num_layers": 2, "nonlinearity": "relu"},
                       [5, 2, 3], hx=True))
    add(recurrent_case("RNN_bidirectional_batch_first_hx", "RNN",
                       {"input_size": 3, "hidden_size": 4, "bidirectional": True, "batch_first": True},
                       [2, 5, 3], hx=True))
    add(recurrent_case("RNN_no_bias_unbatched", "RNN",
                       {"input_size": 3, "hidden_size": 4, "bias": False, "num_layers": 2}, [5, 3], hx=True))
    add(recurrent_case("RNN_float64_bidirectional_2layers", "RNN",
                       {"input_size": 3, "hidden_size": 4, "num_layers": 2, "bidirectional": True},
                       [4, 2, 3], hx=True, dtype=f64))
    # LSTM
    add(recurrent_case("LSTM_basic", "LSTM", {"input_size": 4, "hidden_size": 5}, [6, 3, 4]))
    add(recurrent_case("LSTM_2layers_bidirectional_hx", "LSTM",
                       {"input_size": 3, "hidden_size": 4, "num_layers": 2, "bidirectional": True},
                       [5, 2, 3], hx=True))
    add(recurrent_case("LSTM_proj", "LSTM", {"input_size": 4, "hidden_size": 6, "proj_size": 3},
                       [5, 2, 4], hx=True))
    add(recurrent_case("LSTM_proj_bidirectional_2layers_batch_first", "LSTM",
                       {"input_size": 3, "hidden_size": 5, "proj_size": 2, "num_layers": 2,
                        "bidirectional": True, "batch_first": True}, [2, 4, 3], hx=True))
    add(recurrent_case("LSTM_no_bias_unbatched_hx", "LSTM",
                       {"input_size": 3, "hidden_size": 4, "bias": False}, [5, 3], hx=True))
    add(recurrent_case("LSTM_dropout_eval", "LSTM",
                       {"input_size": 3, "hidden_size": 4, "num_layers": 3, "dropout": 0.4}, [4, 2, 3]))
    add(recurrent_case("LSTM_float64_proj_bidirectional", "LSTM",
                       {"input_size": 3, "hidden_size": 4, "proj_size": 2, "bidirectional": True},
                       [4, 2, 3], hx=True, dtype=f64))
    # GRU
    add(recurrent_case("GRU_basic", "GRU", {"input_size": 4, "hidden_size": 5}, [6, 3, 4]))
    add(recurrent_case("GRU_2layers_bidirectional_hx", "GRU",
                       {"input_size": 3, "hidden_size": 4, "num_layers": 2, "bidirectional": True},
                       [5, 2, 3], hx=True))
    add(recurrent_case("GRU_batch_first_no_bias", "GRU",
                       {"input_size": 3, "hidden_size": 4, "batch_first": True, "bias": False}, [2, 5, 3]))
    add(recurrent_case("GRU_unbatched", "GRU", {"input_size": 3, "hidden_size": 4}, [5, 3], hx=True))
    add(recurrent_case("GRU_float64_2layers", "GRU", {"input_size": 3, "hidden_size": 4, "num_layers": 2},
                       [4, 3, 3], hx=True, dtype=f64))
    # Packed sequences
    add(recurrent_case("LSTM_packed_sorted", "LSTM", {"input_size": 3, "hidden_size": 4},
                       [5, 3, 3], lengths=[5, 3, 2]))
    add(recurrent_case("LSTM_packed_unsorted_bidirectional_2layers_hx", "LSTM",
                       {"input_size": 3, "hidden_size": 4, "num_layers": 2, "bidirectional": True},
                       [5, 4, 3], hx=True, lengths=[2, 5, 3, 4], enforce_sorted=False))
    add(recurrent_case("LSTM_packed_proj_batch_first_unsorted", "LSTM",
                       {"input_size": 3, "hidden_size": 5, "proj_size": 2, "batch_first": True, "bidirectional": True},
                       [3, 4, 3], hx=True, lengths=[1, 4, 2], enforce_sorted=False))
    add(recurrent_case("GRU_packed_unsorted_bidirectional_hx", "GRU",
                       {"input_size": 3, "hidden_size": 4, "bidirectional": True},
                       [4, 3, 3], hx=True, lengths=[3, 4, 1], enforce_sorted=False))
    add(recurrent_case("RNN_packed_batch_first_unsorted_2layers", "RNN",
                       {"input_size": 3, "hidden_size": 4, "num_layers": 2, "batch_first": True},
                       [3, 5, 3], hx=True, lengths=[2, 5, 4], enforce_sorted=False))
    add(recurrent_case("GRU_packed_float64_bidirectional", "GRU",
                       {"input_size": 2, "hidden_size": 3, "bidirectional": True},
                       [4, 3, 2], lengths=[4, 2, 2], dtype=f64))
    # Cells
    add(recurrent_case("RNNCell_tanh_hx", "RNNCell", {"input_size": 4, "hidden_size": 5}, [3, 4], hx=True))
    add(recurrent_case("RNNCell_relu_no_bias", "RNNCell",
                       {"input_size": 4, "hidden_size": 5, "bias": False, "nonlinearity": "relu"}, [3, 4]))
    add(recurrent_case("RNNCell_unbatched", "RNNCell", {"input_size": 3, "hidden_size": 4}, [3], hx=True))
    add(recurrent_case("LSTMCell_hx", "LSTMCell", {"input_size": 4, "hidden_size": 5}, [3, 4], hx=True))
    add(recurrent_case("LSTMCell_unbatched_no_hx", "LSTMCell", {"input_size": 3, "hidden_size": 4}, [3]))
    add(recurrent_case("LSTMCell_no_bias_float64", "LSTMCell",
                       {"input_size": 3, "hidden_size": 4, "bias": False}, [2, 3], hx=True, dtype=f64))
    add(recurrent_case("GRUCell_hx", "GRUCell", {"input_size": 4, "hidden_size": 5}, [3, 4], hx=True))
    add(recurrent_case("GRUCell_no_hx", "GRUCell", {"input_size": 4, "hidden_size": 3}, [2, 4]))
    add(recurrent_case("GRUCell_unbatched_float64", "GRUCell", {"input_size": 3, "hidden_size": 4}, [3],
                       hx=True, dtype=f64))
    return c


def main():
    if not torch.__version__.startswith("1.13"):
        print(f"warning: references were made with PyTorch 1.13, this is {torch.__version__}",
              file=sys.stderr)
    torch.manual_seed(0)
    families = {
        "layers": layer_cases,
        "activations": activation_cases,
        "losses": loss_cases,
        "init": init_cases,
        "optimizers": optimizer_cases,
        "schedules": schedule_cases,
        "recurrent": recurrent_cases,
    }
    # Family names on the command line regenerate only those files (default: all).
    chosen = sys.argv[1:] or list(families)
    unknown = [f for f in chosen if f not in families]
    if unknown:
        sys.exit(f"unknown families {unknown}; known: {list(families)}")
    for family in chosen:
        write_family(family, families[family]())


if __name__ == "__main__":
    main()
