"""Writes tests/Avalon.Tests/Data/Safetensors/reference.safetensors with a small, independent
safetensors writer that follows the format's specification, so Avalon's reader and writer can be
checked byte for byte against it (the `safetensors` package is not needed).

Layout, as the reference implementation writes it:
  * 8 bytes: header length N, unsigned little-endian;
  * N bytes: compact UTF-8 JSON, "__metadata__" first (keys sorted here), then the tensors in data
    order; padded with spaces to a multiple of 8;
  * the tensors' little-endian bytes, ordered by descending dtype alignment, then by name.

Run:  python3 tests/reference/make_safetensors_reference.py
"""
import json
import os
import struct

import torch

# The format's dtype list, in increasing alignment order; the writer sorts by descending position.
DTYPE_ORDER = ["BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "I16", "U16",
               "F16", "BF16", "I32", "U32", "F32", "C64", "F64", "I64", "U64"]
NAMES = {torch.float32: "F32", torch.float64: "F64", torch.int32: "I32", torch.int64: "I64", torch.bool: "BOOL"}


def serialize(tensors, metadata=None):
    items = sorted(tensors.items(), key=lambda kv: (-DTYPE_ORDER.index(NAMES[kv[1].dtype]), kv[0].encode("utf-8")))
    header = {}
    if metadata:
        header["__metadata__"] = {k: metadata[k] for k in sorted(metadata, key=lambda k: k.encode("utf-8"))}
    data = b""
    for name, t in items:
        raw = t.contiguous().numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


def main():
    tensors = {
        "weight": torch.arange(6, dtype=torch.float32).reshape(2, 3) * 0.5 - 1,
        "bias": torch.tensor([1 / 3, -2.5, 1e-300], dtype=torch.float64),
        "counts": torch.tensor([[-1, 2], [2147483647, -2147483648]], dtype=torch.int32),
        "index": torch.tensor([0, -1, 2**40, -2**62], dtype=torch.int64),
        "mask": torch.tensor([True, False, True]),
        "empty": torch.zeros(0, 4, dtype=torch.float32),
        "scalar": torch.tensor(3.25, dtype=torch.float32),
    }
    metadata = {"format": "pt", "note": "caf\u00e9 \"quoted\"\n\ttab"}
    out = os.path.join(os.path.dirname(__file__), "..", "Avalon.Tests", "Data", "Safetensors", "reference.safetensors")
    with open(out, "wb") as f:
        f.write(serialize(tensors, metadata))


if __name__ == "__main__":
    main()
