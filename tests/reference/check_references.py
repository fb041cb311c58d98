#!/usr/bin/python3
"""Rebuild every module case of the reference files from its JSON alone and re-run it in PyTorch.

This checks that `args`, `params` and `buffers_before` hold everything needed to reproduce
`output`, `grad_inputs`, `grad_params` and `buffers_after`, i.e. what a consumer of the files
gets. Run after generate_references.py:

    python3 tests/reference/check_references.py
"""

import json
import os
import sys
import warnings

import torch
import torch.nn as nn

DATA = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                     "..", "Avalon.Tests", "Data", "Reference"))
DTYPES = {"float32": torch.float32, "float64": torch.float64, "int64": torch.int64}
warnings.filterwarnings("ignore")


def dec(t):
    return torch.tensor(t["data"], dtype=DTYPES[t["dtype"]]).reshape(t["shape"])


def ctor_args(args):
    out = {}
    for k, v in args.items():
        if isinstance(v, dict) and "dtype" in v:
            out[k] = dec(v)
        elif isinstance(v, list):
            out[k] = tuple(v)
        else:
            out[k] = v
    return out


def check(case):
    xs = [dec(x) for x in case["inputs"]]
    dtype = xs[0].dtype if xs[0].is_floating_point() else torch.float32
    m = getattr(nn, case["kind"])(**ctor_args(case["args"])).to(dtype)
    sd = m.state_dict()
    for k, v in list(case["params"].items()) + list(case.get("buffers_before", {}).items()):
        sd[k] = dec(v)
    m.load_state_dict(sd)
    m.train(case["train"])
    for x, g in zip(xs, case["grad_inputs"]):
        if g is not None:
            x.requires_grad_(True)
    out = m(*xs)
    ok = torch.equal(out.detach(), dec(case["output"]))
    if out.requires_grad:
        out.backward(dec(case["grad_output"]))
    for x, g in zip(xs, case["grad_inputs"]):
        if g is not None:
            ok &= torch.allclose(x.grad, dec(g), rtol=1e-5, atol=1e-6)
    for k, p in m.named_parameters():
        ok &= torch.allclose(p.grad, dec(case["grad_params"][k]), rtol=1e-5, atol=1e-6)
    for k, v in case.get("buffers_after", {}).items():
        ok &= torch.equal(m.state_dict()[k], dec(v))
    return ok


def check_recurrent(case):
    """Rebuild a recurrent case (layer or cell, padded or packed) from its JSON and re-run it."""
    kind, args = case["kind"], case["args"]
    x = dec(case["input"]).requires_grad_(True)
    m = getattr(nn, kind)(**args).to(x.dtype)
    m.load_state_dict({k: dec(v) for k, v in case["params"].items()})
    m.train(case["train"])
    states = [dec(t).requires_grad_(True) for t in case["hx"]] if case["hx"] is not None else []
    lstm = kind in ("LSTM", "LSTMCell")
    hx = (tuple(states) if lstm else states[0]) if states else None
    h_n = c_n = None
    if kind.endswith("Cell"):
        out = m(x, hx)
        if lstm:
            out, c_n = out
    else:
        batch_first = args.get("batch_first", False)
        inp = x
        if case["lengths"] is not None:
            inp = nn.utils.rnn.pack_padded_sequence(x, torch.tensor(case["lengths"]), batch_first=batch_first,
                                                    enforce_sorted=case["enforce_sorted"])
        out, state = m(inp, hx)
        if case["lengths"] is not None:
            out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=batch_first,
                                                      total_length=x.shape[1 if batch_first else 0])
        h_n, c_n = state if lstm else (state, None)
    ok = torch.equal(out.detach(), dec(case["output"]))
    loss = (out * dec(case["grad_output"])).sum()
    for t, key in ((h_n, "h_n"), (c_n, "c_n")):
        if t is not None:
            ok &= torch.equal(t.detach(), dec(case[key]))
            loss = loss + (t * dec(case["grad_" + key])).sum()
    loss.backward()
    ok &= torch.allclose(x.grad, dec(case["grad_input"]), rtol=1e-5, atol=1e-6)
    for s_, g in zip(states, case["grad_hx"] or []):
        ok &= torch.allclose(s_.grad, dec(g), rtol=1e-5, atol=1e-6)
    for k, p in m.named_parameters():
        ok &= torch.allclose(p.grad, dec(case["grad_params"][k]), rtol=1e-5, atol=1e-6)
    return ok


def dec_mask(m, dtype):
    if isinstance(m, dict) and "square_subsequent" in m:
        return nn.Transformer.generate_square_subsequent_mask(m["square_subsequent"]).to(dtype)
    return dec(m) if m["dtype"] != "bool" else dec({**m, "dtype": "int64"}).bool()


def build_attention_module(case, dtype):
    kind, args = case["kind"], case["args"]
    if kind in ("TransformerEncoder", "TransformerDecoder"):
        layer_kind = nn.TransformerEncoderLayer if kind == "TransformerEncoder" else nn.TransformerDecoderLayer
        norm = nn.LayerNorm(args["layer"]["d_model"]) if args["norm"] else None
        return getattr(nn, kind)(layer_kind(**args["layer"]), args["num_layers"], norm).to(dtype)
    return getattr(nn, kind)(**args).to(dtype)


def check_attention(case):
    """Rebuild an attention.json module case with masks and compare its outputs and gradients."""
    if case["kind"] in ("scaled_dot_product_attention", "RMSNorm"):
        return True  # computed from their definitions in the generator, not by a torch.nn module
    xs = [dec(x) for x in case["inputs"]]
    dtype = xs[0].dtype
    m = build_attention_module(case, dtype)
    m.load_state_dict({k: dec(v) for k, v in case["params"].items()})
    m.train(case["train"])
    masks = {k: dec_mask(v, dtype) for k, v in case.get("masks", {}).items()}
    nan = "outputs_isnan" in case
    for x in xs:
        x.requires_grad_(not nan)
    if case["kind"] == "MultiheadAttention":
        q = xs[0]
        k = xs[1] if len(xs) > 1 else q
        v = xs[2] if len(xs) > 2 else k
        outs = [o for o in m(q, k, v, **masks, **case["forward"]) if o is not None]
    elif case["kind"] == "TransformerEncoderLayer":
        outs = [m(xs[0], **masks)]
    elif case["kind"] == "TransformerEncoder":
        outs = [m(xs[0], mask=masks.get("src_mask"), src_key_padding_mask=masks.get("src_key_padding_mask"))]
    else:
        outs = [m(*xs, **masks)]
    if nan:
        return all(torch.equal(o.isnan(), dec_mask(e, dtype)) and torch.equal(o.nan_to_num(0.0), dec(r))
                   for o, e, r in zip(outs, case["outputs_isnan"], case["outputs"]))
    ok = all(torch.equal(o.detach(), dec(r)) for o, r in zip(outs, case["outputs"]))
    params = [p for _, p in m.named_parameters()]
    grads = torch.autograd.grad(outs, xs + params, [dec(g) for g in case["grad_outputs"]], allow_unused=True)
    expected = [dec(g) for g in case["grad_inputs"]] + [dec(case["grad_params"][k]) for k, _ in m.named_parameters()]
    for got, exp in zip(grads, expected):
        got = torch.zeros_like(exp) if got is None else got
        ok &= torch.allclose(got, exp, rtol=1e-5, atol=1e-6)
    return ok


def main():
    count, bad = 0, []
    for family in ["layers", "activations", "losses"]:
        with open(os.path.join(DATA, family + ".json"), encoding="utf-8") as f:
            for case in json.load(f)["cases"]:
                count += 1
                if not check(case):
                    bad.append(f"{family}/{case['name']}")
    with open(os.path.join(DATA, "recurrent.json"), encoding="utf-8") as f:
        for case in json.load(f)["cases"]:
            count += 1
            if not check_recurrent(case):
                bad.append(f"recurrent/{case['name']}")
    with open(os.path.join(DATA, "attention.json"), encoding="utf-8") as f:
        for case in json.load(f)["cases"]:
            count += 1
            if not check_attention(case):
                bad.append(f"attention/{case['name']}")
    print(f"{count} module cases re-run, {len(bad)} mismatches")
    for name in bad:
        print("  mismatch:", name)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
