#!/usr/bin/python3
"""Generate PyTorch reference values for Avalon's attention and transformer layers.

Run from anywhere with PyTorch 1.13 (CPU):

    python3 tests/reference/generate_attention_references.py

It rewrites tests/Avalon.Tests/Data/Reference/attention.json (format: tests/reference/README.md,
section attention.json). It shares the encoding and the per-case seeding of generate_references.py.

PyTorch 1.13 has no F.scaled_dot_product_attention (2.0) and no nn.RMSNorm (2.4): their cases are
computed here from their documented definitions with PyTorch operations,
softmax(Q K^T * scale + mask) V and x / sqrt(mean(x^2) + eps) * weight.
"""

import math
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate_references import enc, enc_value, randn, seed_for, write_family  # noqa: E402

torch.set_num_threads(1)


def grads_of(outputs, grad_outputs, tensors):
    """d(sum(output_i * grad_output_i))/d(tensors), zeros where a tensor is unused."""
    gs = torch.autograd.grad(outputs, tensors, grad_outputs, allow_unused=True)
    return [g if g is not None else torch.zeros_like(t) for g, t in zip(gs, tensors)]


# ----------------------------------------------------------------------------------------------
# scaled_dot_product_attention (PyTorch 2.x semantics, by its documented definition)
# ----------------------------------------------------------------------------------------------

def sdpa_reference(q, k, v, attn_mask=None, is_causal=False, scale=None):
    L, S = q.size(-2), k.size(-2)
    factor = 1 / math.sqrt(q.size(-1)) if scale is None else scale
    bias = torch.zeros(L, S, dtype=q.dtype)
    if is_causal:
        bias = bias.masked_fill(torch.ones(L, S, dtype=torch.bool).tril().logical_not(), float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            bias = bias.masked_fill(attn_mask.logical_not(), float("-inf"))  # True = takes part
        else:
            bias = bias + attn_mask
    scores = q @ k.transpose(-2, -1) * factor + bias
    return torch.softmax(scores, dim=-1) @ v


def sdpa_case(name, q_shape, k_shape, v_shape, mask=None, is_causal=False, scale=None, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed_for(name))
    q = randn(g, *q_shape, dtype=dtype).requires_grad_(True)
    k = randn(g, *k_shape, dtype=dtype).requires_grad_(True)
    v = randn(g, *v_shape, dtype=dtype).requires_grad_(True)
    attn_mask = None
    if mask is not None:
        kind, shape = mask
        if kind == "bool":
            attn_mask = torch.rand(shape, generator=g) < 0.7
            attn_mask[..., 0] = True  # every query keeps a key, so no row is fully masked
        else:
            attn_mask = randn(g, *shape, dtype=dtype)
    out = sdpa_reference(q, k, v, attn_mask, is_causal, scale)
    grad_out = randn(g, *out.shape, dtype=dtype)
    gq, gk, gv = grads_of([out], [grad_out], [q, k, v])
    return {
        "name": name,
        "kind": "scaled_dot_product_attention",
        "args": {"is_causal": is_causal, "scale": scale},
        "inputs": [enc(q), enc(k), enc(v)],
        "attn_mask": enc(attn_mask),
        "output": enc(out),
        "grad_output": enc(grad_out),
        "grad_inputs": [enc(gq), enc(gk), enc(gv)],
    }


def sdpa_cases():
    return [
        sdpa_case("sdpa_plain", (2, 3, 4), (2, 5, 4), (2, 5, 6)),
        sdpa_case("sdpa_causal_square", (2, 2, 4, 3), (2, 2, 4, 3), (2, 2, 4, 3), is_causal=True),
        sdpa_case("sdpa_causal_rectangular", (2, 3, 4), (2, 5, 4), (2, 5, 2), is_causal=True),
        sdpa_case("sdpa_bool_mask", (2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 3), mask=("bool", (3, 5))),
        sdpa_case("sdpa_float_mask_broadcast", (2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 3), mask=("float", (2, 1, 3, 5))),
        sdpa_case("sdpa_broadcast_batch", (2, 3, 3, 4), (1, 3, 5, 4), (1, 3, 5, 2)),
        sdpa_case("sdpa_scale", (3, 4, 8), (3, 4, 8), (3, 4, 8), scale=0.3),
        sdpa_case("sdpa_float64", (2, 3, 4), (2, 5, 4), (2, 5, 3), mask=("bool", (2, 3, 5)), dtype=torch.float64),
    ]


# ----------------------------------------------------------------------------------------------
# Modules with masks: MultiheadAttention, Transformer*
# ----------------------------------------------------------------------------------------------

def key_padding(g, n, s, fully_masked_row=None):
    """A bool [n, s] mask with some True (padding) entries; the first key is kept unless asked."""
    m = torch.rand((n, s), generator=g) < 0.35
    m[:, 0] = False
    if fully_masked_row is not None:
        m[fully_masked_row] = True
    return m


def attn_mask_of(g, kind, shape, dtype):
    if kind is None:
        return None
    if kind == "causal":
        return nn.Transformer.generate_square_subsequent_mask(shape[-1]).to(dtype)
    if kind == "bool":
        m = torch.rand(shape, generator=g) < 0.3
        m[..., 0] = False
        return m
    return randn(g, *shape, dtype=dtype)


def enc_mask(mask):
    """A mask as a tensor, or a causal float mask (with -inf, which JSON cannot hold) as
    {"square_subsequent": size}: nn.Transformer.generate_square_subsequent_mask(size)."""
    if mask.is_floating_point() and torch.isinf(mask).any():
        size = mask.size(-1)
        assert mask.shape == (size, size) and torch.equal(mask, nn.Transformer.generate_square_subsequent_mask(size).to(mask.dtype))
        return {"square_subsequent": size}
    return enc(mask)


def module_masked_case(name, kind, module, input_shapes, masks, call, *, train=False, dtype=torch.float32,
                       same_input=False, extra=None, nan_outputs=False):
    """Seed the parameters, run `call(module, inputs, masks)` -> tensor or (tensor, weights),
    and record outputs and the gradients of sum(output * grad_output) (+ sum(weights * grad_weights))."""
    g = torch.Generator().manual_seed(seed_for(name))
    module = module.to(dtype)
    module.train(train)
    with torch.no_grad():
        for _, p in module.named_parameters():
            p.copy_(randn(g, *p.shape, dtype=dtype, scale=0.5))
    if same_input:
        x = randn(g, *input_shapes[0], dtype=dtype).requires_grad_(True)
        xs = [x]
    else:
        xs = [randn(g, *s, dtype=dtype).requires_grad_(True) for s in input_shapes]
    mask_values = {}
    for key, spec in masks.items():
        mask_values[key] = spec(g) if callable(spec) else spec
    result = call(module, xs, mask_values)
    outs = list(result) if isinstance(result, tuple) else [result]
    outs = [o for o in outs if o is not None]
    grad_outs = [randn(g, *o.shape, dtype=dtype) for o in outs]
    params = list(module.named_parameters())
    if nan_outputs:
        # Fully masked rows are NaN; their gradients are NaN too, so only the forward is recorded.
        grads = None
    else:
        grads = grads_of(outs, grad_outs, xs + [p for _, p in params])
    case = {
        "name": name,
        "kind": kind,
        "args": enc_value(extra or {}),
        "train": train,
        "params": {k: enc(p) for k, p in params},
        "inputs": [enc(x) for x in xs],
        "masks": {k: enc_mask(v) for k, v in mask_values.items() if v is not None},
    }
    if nan_outputs:
        case["outputs"] = [enc(torch.nan_to_num(o.detach(), nan=0.0)) for o in outs]
        case["outputs_isnan"] = [enc(o.detach().isnan()) for o in outs]
    else:
        case["outputs"] = [enc(o) for o in outs]
        case["grad_outputs"] = [enc(go) for go in grad_outs]
        case["grad_inputs"] = [enc(gr) for gr in grads[:len(xs)]]
        case["grad_params"] = {k: enc(gr) for (k, _), gr in zip(params, grads[len(xs):])}
    return case


def mha_call(need_weights=True, average=True):
    def call(m, xs, masks):
        q = xs[0]
        k = xs[1] if len(xs) > 1 else q
        v = xs[2] if len(xs) > 2 else k
        return m(q, k, v, key_padding_mask=masks.get("key_padding_mask"), need_weights=need_weights,
                 attn_mask=masks.get("attn_mask"), average_attn_weights=average)
    return call


def mha_case(name, args, input_shapes, masks, *, need_weights=True, average=True, dtype=torch.float32,
             same_input=False, nan_outputs=False):
    module = nn.MultiheadAttention(**args)
    case = module_masked_case(name, "MultiheadAttention", module, input_shapes, masks,
                              mha_call(need_weights, average), dtype=dtype, same_input=same_input,
                              extra=dict(args), nan_outputs=nan_outputs)
    case["forward"] = {"need_weights": need_weights, "average_attn_weights": average}
    return case


def mha_cases():
    E, H = 8, 2
    f32 = torch.float32
    return [
        mha_case("MHA_self_seq_first", {"embed_dim": E, "num_heads": H}, [(4, 3, E)], {}, same_input=True),
        mha_case("MHA_self_dropout_eval", {"embed_dim": E, "num_heads": H, "dropout": 0.3}, [(4, 3, E)], {},
                 same_input=True),
        mha_case("MHA_cross_batch_first_padding_per_head",
                 {"embed_dim": E, "num_heads": H, "batch_first": True},
                 [(2, 3, E), (2, 5, E), (2, 5, E)],
                 {"key_padding_mask": lambda g: key_padding(g, 2, 5)}, average=False),
        mha_case("MHA_kdim_vdim_no_bias_float_mask",
                 {"embed_dim": E, "num_heads": 4, "kdim": 5, "vdim": 6, "bias": False},
                 [(3, 2, E), (4, 2, 5), (4, 2, 6)],
                 {"attn_mask": lambda g: attn_mask_of(g, "float", (3, 4), f32)}),
        mha_case("MHA_bias_kv_zero_attn_bool_masks",
                 {"embed_dim": E, "num_heads": H, "add_bias_kv": True, "add_zero_attn": True},
                 [(3, 2, E), (4, 2, E), (4, 2, E)],
                 {"attn_mask": lambda g: attn_mask_of(g, "bool", (2 * H, 3, 4), f32),
                  "key_padding_mask": lambda g: key_padding(g, 2, 4)}),
        mha_case("MHA_float_mask_and_padding",
                 {"embed_dim": E, "num_heads": H},
                 [(3, 2, E), (4, 2, E), (4, 2, E)],
                 {"attn_mask": lambda g: attn_mask_of(g, "float", (3, 4), f32),
                  "key_padding_mask": lambda g: key_padding(g, 2, 4)}),
        mha_case("MHA_causal_no_weights", {"embed_dim": E, "num_heads": H}, [(5, 2, E)],
                 {"attn_mask": attn_mask_of(None, "causal", (5, 5), f32)}, need_weights=False, same_input=True),
        mha_case("MHA_unbatched_padding", {"embed_dim": E, "num_heads": H},
                 [(3, E), (4, E), (4, E)],
                 {"key_padding_mask": lambda g: key_padding(g, 1, 4)[0]}),
        mha_case("MHA_float64", {"embed_dim": 6, "num_heads": 3, "kdim": 4, "vdim": 5, "add_bias_kv": True},
                 [(3, 2, 6), (4, 2, 4), (4, 2, 5)],
                 {"key_padding_mask": lambda g: key_padding(g, 2, 4)}, dtype=torch.float64, average=False),
        mha_case("MHA_fully_masked_row", {"embed_dim": E, "num_heads": H}, [(3, 2, E), (4, 2, E), (4, 2, E)],
                 {"key_padding_mask": lambda g: key_padding(g, 2, 4, fully_masked_row=1)}, nan_outputs=True),
    ]


def encoder_layer_call(m, xs, masks):
    return m(xs[0], src_mask=masks.get("src_mask"), src_key_padding_mask=masks.get("src_key_padding_mask"))


def decoder_layer_call(m, xs, masks):
    return m(xs[0], xs[1], tgt_mask=masks.get("tgt_mask"), memory_mask=masks.get("memory_mask"),
             tgt_key_padding_mask=masks.get("tgt_key_padding_mask"),
             memory_key_padding_mask=masks.get("memory_key_padding_mask"))


def transformer_call(m, xs, masks):
    return m(xs[0], xs[1], src_mask=masks.get("src_mask"), tgt_mask=masks.get("tgt_mask"),
             memory_mask=masks.get("memory_mask"), src_key_padding_mask=masks.get("src_key_padding_mask"),
             tgt_key_padding_mask=masks.get("tgt_key_padding_mask"),
             memory_key_padding_mask=masks.get("memory_key_padding_mask"))


def transformer_cases():
    E, H, FF = 8, 2, 12
    f32 = torch.float32
    c = []

    def enc_layer(name, args, shape, masks, dtype=f32, train=False):
        full = {"d_model": E, "nhead": H, "dim_feedforward": FF, **args}
        c.append(module_masked_case(name, "TransformerEncoderLayer", nn.TransformerEncoderLayer(**full), [shape], masks,
                                    encoder_layer_call, dtype=dtype, train=train, extra=full))

    def dec_layer(name, args, shapes, masks, dtype=f32):
        full = {"d_model": E, "nhead": H, "dim_feedforward": FF, **args}
        c.append(module_masked_case(name, "TransformerDecoderLayer", nn.TransformerDecoderLayer(**full), shapes, masks,
                                    decoder_layer_call, dtype=dtype, extra=full))

    # Evaluation mode with gradients enabled: PyTorch's fused fast path is off, the composed path runs.
    enc_layer("EncoderLayer_post_norm_relu_masks", {"dropout": 0.1}, (5, 2, E),
              {"src_mask": attn_mask_of(None, "causal", (5, 5), f32),
               "src_key_padding_mask": lambda g: key_padding(g, 2, 5)})
    enc_layer("EncoderLayer_norm_first_gelu_batch_first", {"dropout": 0.0, "activation": "gelu", "norm_first": True,
                                                           "batch_first": True, "layer_norm_eps": 1e-6},
              (2, 4, E), {"src_key_padding_mask": lambda g: key_padding(g, 2, 4)}, train=True)
    enc_layer("EncoderLayer_unbatched_bool_mask", {"dropout": 0.0}, (4, E),
              {"src_mask": lambda g: attn_mask_of(g, "bool", (4, 4), f32)})
    enc_layer("EncoderLayer_float64", {"dropout": 0.0, "norm_first": True}, (3, 2, E),
              {"src_mask": lambda g: attn_mask_of(g, "float", (3, 3), torch.float64)}, dtype=torch.float64)
    dec_layer("DecoderLayer_post_norm_relu_masks", {"dropout": 0.1}, [(4, 2, E), (5, 2, E)],
              {"tgt_mask": attn_mask_of(None, "causal", (4, 4), f32),
               "tgt_key_padding_mask": lambda g: key_padding(g, 2, 4),
               "memory_key_padding_mask": lambda g: key_padding(g, 2, 5)})
    dec_layer("DecoderLayer_norm_first_gelu_batch_first", {"dropout": 0.0, "activation": "gelu", "norm_first": True,
                                                           "batch_first": True},
              [(2, 3, E), (2, 4, E)], {"memory_mask": lambda g: attn_mask_of(g, "bool", (3, 4), f32)})

    torch.manual_seed(seed_for("stacks"))
    enc_args = {"d_model": E, "nhead": H, "dim_feedforward": FF, "dropout": 0.0}
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(**enc_args), 2, nn.LayerNorm(E))
    c.append(module_masked_case("Encoder_2_layers_norm", "TransformerEncoder", encoder, [(4, 2, E)],
                                {"src_mask": attn_mask_of(None, "causal", (4, 4), f32),
                                 "src_key_padding_mask": lambda g: key_padding(g, 2, 4)},
                                lambda m, xs, ms: m(xs[0], mask=ms.get("src_mask"),
                                                    src_key_padding_mask=ms.get("src_key_padding_mask")),
                                extra={"layer": enc_args, "num_layers": 2, "norm": True}))
    dec_args = {"d_model": E, "nhead": H, "dim_feedforward": FF, "dropout": 0.0, "norm_first": True}
    decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(**dec_args), 2, None)
    c.append(module_masked_case("Decoder_2_layers_no_norm", "TransformerDecoder", decoder, [(3, 2, E), (4, 2, E)],
                                {"tgt_mask": attn_mask_of(None, "causal", (3, 3), f32)},
                                decoder_layer_call, extra={"layer": dec_args, "num_layers": 2, "norm": False}))
    t_args = {"d_model": E, "nhead": H, "num_encoder_layers": 1, "num_decoder_layers": 2, "dim_feedforward": FF,
              "dropout": 0.0, "batch_first": True}
    c.append(module_masked_case("Transformer_small_batch_first", "Transformer", nn.Transformer(**t_args),
                                [(2, 5, E), (2, 3, E)],
                                {"tgt_mask": attn_mask_of(None, "causal", (3, 3), f32),
                                 "src_key_padding_mask": lambda g: key_padding(g, 2, 5),
                                 "memory_key_padding_mask": lambda g: key_padding(g, 2, 5)},
                                transformer_call, extra=t_args))
    return c


# ----------------------------------------------------------------------------------------------
# RMSNorm (PyTorch 2.4 semantics, by its formula)
# ----------------------------------------------------------------------------------------------

def rms_norm_case(name, normalized_shape, input_shape, eps=None, affine=True, dtype=torch.float32, input_scale=1.0):
    g = torch.Generator().manual_seed(seed_for(name))
    x = randn(g, *input_shape, dtype=dtype, scale=input_scale).requires_grad_(True)
    params = {}
    if affine:
        params["weight"] = (1 + randn(g, *normalized_shape, dtype=dtype, scale=0.3)).requires_grad_(True)
    e = torch.finfo(dtype).eps if eps is None else eps
    dims = tuple(range(-len(normalized_shape), 0))
    out = x * torch.rsqrt(x.pow(2).mean(dims, keepdim=True) + e)
    if affine:
        out = out * params["weight"]
    grad_out = randn(g, *out.shape, dtype=dtype)
    grads = grads_of([out], [grad_out], [x] + list(params.values()))
    return {
        "name": name,
        "kind": "RMSNorm",
        "args": {"normalized_shape": list(normalized_shape), "eps": eps, "elementwise_affine": affine},
        "train": False,
        "params": {k: enc(p) for k, p in params.items()},
        "inputs": [enc(x)],
        "output": enc(out),
        "grad_output": enc(grad_out),
        "grad_inputs": [enc(grads[0])],
        "grad_params": {k: enc(gr) for k, gr in zip(params, grads[1:])},
    }


def rms_norm_cases():
    return [
        rms_norm_case("RMSNorm_default_eps", [6], (2, 3, 6)),
        rms_norm_case("RMSNorm_eps_2d_shape", [3, 4], (2, 3, 4), eps=1e-3),
        rms_norm_case("RMSNorm_no_affine", [5], (4, 5), affine=False),
        rms_norm_case("RMSNorm_small_values_default_eps", [4], (3, 4), input_scale=1e-4),
        rms_norm_case("RMSNorm_float64", [5], (2, 5), dtype=torch.float64),
    ]


def main():
    if not torch.__version__.startswith("1.13"):
        print(f"warning: references were made with PyTorch 1.13, this is {torch.__version__}", file=sys.stderr)
    write_family("attention", sdpa_cases() + mha_cases() + transformer_cases() + rms_norm_cases())


if __name__ == "__main__":
    main()
