#!/usr/bin/python3
"""PyTorch files for Avalon's TorchFile tests, and the check that PyTorch reads what Avalon writes.

Run with Debian's python3-torch (/usr/bin/python3):

    /usr/bin/python3 tests/reference/torch_files.py generate   # writes tests/Avalon.Tests/Data/Torch/*
    /usr/bin/python3 tests/reference/torch_files.py check [FILE.pt]

`generate` writes small torch.save files (zip format, and one in the legacy format) with a JSON file of
the values each holds (float64 lists, exact for every dtype written), so the tests need no Python, and
avalon-saved.json, the values of the state dict that TorchFileTests.SavedStateDict builds.
`check` loads a file written by Avalon's TorchFile.Save (by default the committed avalon-saved.pt, which
TorchFileTests keeps byte-identical to what the writer writes) with torch.load(weights_only=True) and
compares it with that state dict; it exits non-zero on any difference.
"""
import math
import collections
import json
import os
import sys

import struct

import numpy
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Avalon.Tests", "Data", "Torch")


def describe(t):
    return {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
            "values": t.detach().to(torch.float64).reshape(-1).tolist()}


def write(name, obj, expected, legacy=False):
    path = os.path.join(OUT, name + ".pt")
    torch.save(obj, path, _use_new_zipfile_serialization=not legacy)
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


# The safetensors format's dtype list in increasing alignment order (the reference writer sorts by descending position).
ST_ORDER = ["BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "I16", "U16",
            "F16", "BF16", "I32", "U32", "F32", "C64", "F64", "I64", "U64"]
ST_NAMES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64",
            torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL"}


def safetensors_bytes(tensors, metadata=None):
    """The safetensors serialisation of {name: (dtype name, shape, raw little-endian bytes)}, following the format's spec."""
    items = sorted(tensors.items(), key=lambda kv: (-ST_ORDER.index(kv[1][0]), kv[0].encode("utf-8")))
    header, data = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, (dtype, shape, raw) in items:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def torch_entry(t):
    t = t.contiguous()
    raw = t.view(torch.int16).numpy().tobytes() if t.dtype in (torch.float16, torch.bfloat16) else t.numpy().tobytes()
    return (ST_NAMES[t.dtype], t.shape, raw)


def write_safetensors(path, tensors, metadata=None):
    with open(path, "wb") as f:
        f.write(safetensors_bytes(tensors, metadata))


def generate_safetensors(dtypes, mlp_state, mlp_expected):
    """Every dtype Avalon reads, and the small model's state dict as two shards with an index."""
    entries = {k: torch_entry(v) for k, v in dtypes.items() if k not in ("scalar", "empty")}
    expected = {k: describe(v) for k, v in dtypes.items() if k not in ("scalar", "empty")}
    # PyTorch 1.13 has no unsigned types beyond uint8: these come from numpy.
    for name, dtype, values in (("u16", "U16", numpy.array([0, 65535, 1234], dtype="<u2")),
                                ("u32", "U32", numpy.array([0, 4294967295], dtype="<u4")),
                                ("u64", "U64", numpy.array([0, 9223372036854775807], dtype="<u8"))):
        entries[name] = (dtype, list(values.shape), values.tobytes())
        expected[name] = {"dtype": {"U16": "int32", "U32": "int64", "U64": "int64"}[dtype], "shape": list(values.shape),
                          "values": [float(v) for v in values]}
    for k in ("i64", "u32", "u64"):   # int64 values beyond 2^53 are not exact as float64: keep them as integers
        expected[k]["int_values"] = [int(v) for v in (dtypes[k].tolist() if k in dtypes else
                                                        numpy.frombuffer(entries[k][2], dtype="<u4" if k == "u32" else "<u8").tolist())]
    write_safetensors(os.path.join(OUT, "dtypes.safetensors"), entries, {"format": "pt"})
    with open(os.path.join(OUT, "dtypes.safetensors.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")

    folder = os.path.join(OUT, "sharded")
    os.makedirs(folder, exist_ok=True)
    keys = list(mlp_state.keys())
    shards = [keys[:4], keys[4:]]
    weight_map, total = {}, 0
    for i, shard in enumerate(shards):
        name = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
        write_safetensors(os.path.join(folder, name), {k: torch_entry(mlp_state[k]) for k in shard}, {"format": "pt"})
        for k in shard:
            weight_map[k] = name
            total += mlp_state[k].numel() * mlp_state[k].element_size()
    with open(os.path.join(folder, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
        f.write("\n")


class Evil:
    """Pickles as a call of os.system: a loader that executes globals would run it."""

    def __reduce__(self):
        return (os.system, ("echo avalon-must-not-run-this",))


def generate():
    os.makedirs(OUT, exist_ok=True)
    g = torch.Generator().manual_seed(20261202)
    base = torch.randn(3, 4, generator=g)
    dtypes = collections.OrderedDict()
    dtypes["f32"] = torch.randn(2, 3, generator=g)
    dtypes["f64"] = torch.randn(4, generator=g, dtype=torch.float64)
    dtypes["f16"] = torch.randn(2, 2, generator=g).to(torch.float16)
    dtypes["bf16"] = torch.randn(3, generator=g).to(torch.bfloat16)
    dtypes["i64"] = torch.tensor([-(1 << 40), 0, 7], dtype=torch.int64)
    dtypes["i32"] = torch.tensor([[-5, 6], [2147483647, -2147483648]], dtype=torch.int32)
    dtypes["i16"] = torch.tensor([-32768, 32767], dtype=torch.int16)
    dtypes["i8"] = torch.tensor([-128, 127, 0], dtype=torch.int8)
    dtypes["u8"] = torch.tensor([0, 200, 255], dtype=torch.uint8)
    dtypes["bool"] = torch.tensor([True, False, True])
    dtypes["scalar"] = torch.tensor(2.5)
    dtypes["empty"] = torch.zeros(0, 3)
    write("dtypes", dtypes, {k: describe(v) for k, v in dtypes.items()})

    # Views: a transpose (strides), a slice with a step and an offset, and two tensors over one storage.
    shared = torch.arange(12, dtype=torch.float32)
    views = {
        "transposed": base.t(),
        "stepped": base[1:, ::2],
        "whole": shared,
        "tail": shared[4:].view(2, 4),
    }
    write("views", views, {k: describe(v) for k, v in views.items()})

    # Nested containers and plain values.
    nested = {
        "epoch": 3,
        "lr": 0.125,
        "name": "mlp",
        "flags": [True, None],
        "tensors": [torch.ones(2), torch.zeros(1, dtype=torch.int64)],
        "pair": (1, "two"),
        "big": 1 << 70,
        "model": collections.OrderedDict(w=torch.full((2,), 4.0)),
    }
    write("nested", nested, {"w": describe(nested["model"]["w"]), "t0": describe(nested["tensors"][0])})

    # A small model's state dict and its output for a fixed input (eval mode).
    torch.manual_seed(7)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    model.train()
    for _ in range(3):
        model(torch.randn(16, 4, generator=g))   # moves the running statistics away from their defaults
    model.eval()
    x = torch.randn(5, 4, generator=g)
    with torch.no_grad():
        y = model(x)
    state = model.state_dict()
    write("mlp", state, {"input": describe(x), "output": describe(y), "keys": list(state.keys())})
    generate_safetensors(dtypes, state, None)

    # The legacy (pre-1.6) format.
    write("legacy", dtypes, {k: describe(v) for k, v in dtypes.items()}, legacy=True)

    # A file that weights_only loading must refuse: it calls os.system when unpickled unsafely.
    torch.save({"w": torch.ones(1), "payload": Evil()}, os.path.join(OUT, "unsafe.pt"))

    with open(os.path.join(OUT, "avalon-saved.json"), "w") as f:
        json.dump({k: describe(v) for k, v in avalon_saved().items()}, f, indent=1, sort_keys=True)
        f.write("\n")


def avalon_saved():
    """The state dict of TorchFileTests.SavedStateDict, written here from the same literals."""
    return collections.OrderedDict([
        ("fc.weight", torch.tensor([[0.5, -1.25, 3.0], [1e-3, -7.5, 2.0]], dtype=torch.float32)),
        ("fc.bias", torch.tensor([0.25, -0.125], dtype=torch.float32)),
        ("transposed", torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=torch.float32).t()),
        ("double", torch.tensor([math.pi, -1e300], dtype=torch.float64)),
        ("steps", torch.tensor(12345678901, dtype=torch.int64)),
        ("counts", torch.tensor([-3, 0, 2147483647], dtype=torch.int32)),
        ("mask", torch.tensor([True, False, True])),
    ])


def check(path):
    loaded = torch.load(path, weights_only=True)
    expected = {k: describe(v) for k, v in avalon_saved().items()}
    problems = []
    if list(loaded.keys()) != list(expected.keys()):
        problems.append(f"keys {list(loaded.keys())} != {list(expected.keys())}")
    for key, want in expected.items():
        got = loaded.get(key)
        if not isinstance(got, torch.Tensor):
            problems.append(f"{key}: not a tensor ({type(got)})")
            continue
        have = describe(got)
        for field in ("dtype", "shape", "values"):
            if have[field] != want[field]:
                problems.append(f"{key}: {field} {have[field]} != {want[field]}")
    for p in problems:
        print(p)
    print(f"{path}: {len(expected)} tensors, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "generate":
        generate()
    elif len(sys.argv) in (2, 3) and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2] if len(sys.argv) == 3 else os.path.join(OUT, "avalon-saved.pt")))
    else:
        print(__doc__)
        sys.exit(2)
