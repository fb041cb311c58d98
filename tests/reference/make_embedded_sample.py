#!/usr/bin/python3
"""Regenerates the Fashion-MNIST sample embedded in Avalon (src/Avalon/Data/Embedded/).

The sample is class-balanced and deterministic: the first 600 images of each class in the training
file (6,000 images) and the first 100 of each class in the test file (1,000 images), kept in their
original order. They are written as gzip-compressed IDX files with a fixed header (no file name, zero
timestamp), so running the script twice gives identical bytes.

Usage: /usr/bin/python3 tests/reference/make_embedded_sample.py [SOURCE_FOLDER]
SOURCE_FOLDER holds the official files (train-images-idx3-ubyte.gz, ...); default
/usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist).
"""
import gzip
import os
import struct
import sys

PER_CLASS = {"train": 600, "t10k": 100}
CLASSES = 10
ROWS = COLS = 28
OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "Avalon", "Data", "Embedded")
PREFIX = "fashion-mnist-sample."


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, type_code, rank = struct.unpack(">HBB", data[:4])
    if zero != 0 or type_code != 0x08:
        raise ValueError(f"{path}: not a ubyte IDX file")
    dims = struct.unpack(f">{rank}I", data[4:4 + 4 * rank])
    body = data[4 + 4 * rank:]
    count = 1
    for d in dims:
        count *= d
    if len(body) != count:
        raise ValueError(f"{path}: dims {dims} declare {count} bytes, file holds {len(body)}")
    return dims, body


def find(folder, name):
    for candidate in (os.path.join(folder, name), os.path.join(folder, name + ".gz")):
        if os.path.exists(candidate):
            return candidate
    raise FileNotFoundError(f"{folder} holds neither {name} nor {name}.gz")


def write_idx_gz(path, dims, body):
    header = struct.pack(">HBB", 0, 0x08, len(dims)) + struct.pack(f">{len(dims)}I", *dims)
    with open(path, "wb") as raw:
        # filename="" and mtime=0 keep the output byte-for-byte reproducible.
        with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=raw, mtime=0) as f:
            f.write(header + body)


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
    os.makedirs(OUTPUT, exist_ok=True)
    for split, per_class in PER_CLASS.items():
        image_dims, images = read_idx(find(source, f"{split}-images-idx3-ubyte"))
        label_dims, labels = read_idx(find(source, f"{split}-labels-idx1-ubyte"))
        assert image_dims[1:] == (ROWS, COLS) and image_dims[0] == label_dims[0]
        taken = [0] * CLASSES
        chosen = []
        for index, label in enumerate(labels):
            if taken[label] < per_class:
                taken[label] += 1
                chosen.append(index)
        assert taken == [per_class] * CLASSES, f"{split}: not enough images per class: {taken}"
        size = ROWS * COLS
        sample_images = b"".join(images[i * size:(i + 1) * size] for i in chosen)
        sample_labels = bytes(labels[i] for i in chosen)
        n = len(chosen)
        write_idx_gz(os.path.join(OUTPUT, f"{PREFIX}{split}-images-idx3-ubyte.gz"), (n, ROWS, COLS), sample_images)
        write_idx_gz(os.path.join(OUTPUT, f"{PREFIX}{split}-labels-idx1-ubyte.gz"), (n,), sample_labels)
        print(f"{split}: {n} images, first indices {chosen[:5]}, last {chosen[-1]}")


if __name__ == "__main__":
    main()
