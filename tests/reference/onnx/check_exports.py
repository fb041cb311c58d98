#!/usr/bin/python3
"""Runs ONNX's own checker over every .onnx file in a folder (and its subfolders).

    /usr/bin/python3 tests/reference/onnx/check_exports.py FOLDER

Each file is loaded with onnx.load and checked with onnx.checker.check_model(model, full_check=True),
which adds strict shape inference to the structural checks. One line per file: "ok <path>" or
"FAIL <path>: <error>". Exit status: 0 when every file passes, 1 when any fails, 2 when the folder holds
no .onnx file. Needs python3-onnx (Debian) or the onnx package.
"""
import os
import sys

import onnx
import onnx.checker


def main(argv):
    if len(argv) != 2 or not os.path.isdir(argv[1]):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    folder = argv[1]
    paths = sorted(os.path.join(root, name)
                   for root, _, names in os.walk(folder) for name in names if name.endswith(".onnx"))
    if not paths:
        print(f"no .onnx files in {folder}", file=sys.stderr)
        return 2
    failed = 0
    for path in paths:
        try:
            model = onnx.load(path)
            onnx.checker.check_model(model, full_check=True)
            print(f"ok {path}")
        except Exception as e:  # the checker raises ValidationError, shape inference InferenceError
            failed += 1
            message = " ".join(str(e).split())
            print(f"FAIL {path}: {type(e).__name__}: {message}")
    print(f"{len(paths) - failed} of {len(paths)} models pass onnx.checker (onnx {onnx.__version__}, full_check=True)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
