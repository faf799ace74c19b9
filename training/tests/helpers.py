"""Shared by the training tests: paths, the native libjpeg reference tool, images."""
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from dctvision_train.data import native_tool

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
VAL = SHARED / "data" / "imagenette-224" / "val"



def native_coefficients(path):
    """Quantized coefficients as native libjpeg reads them: (meta, [array (by, bx, 64) per component])."""
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "c.bin"
        meta = json.loads(subprocess.run([native_tool(), "coef", str(path), str(out)], check=True, capture_output=True, text=True).stdout)
        data = np.fromfile(out, dtype="<i2")
    planes, off = [], 0
    for c in meta["components"]:
        n = c["blocksX"] * c["blocksY"] * 64
        planes.append(data[off:off + n].reshape(c["blocksY"], c["blocksX"], 64))
        off += n
    return meta, planes


def read_ppm(data):
    """P6 with a header of exactly four tokens and one whitespace byte before the pixels."""
    tokens, pos = [], 0
    while len(tokens) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        tokens.append(data[pos:end])
        pos = end
    assert tokens[0] == b"P6", tokens[0]
    w, h = int(tokens[1]), int(tokens[2])
    return np.frombuffer(data[pos + 1: pos + 1 + w * h * 3], dtype=np.uint8).reshape(h, w, 3)


def djpeg_rgb(path, *args):
    return read_ppm(subprocess.run(["djpeg", "-rgb", "-dct", "int", *args, "-ppm", str(path)], check=True, capture_output=True).stdout)


def val_files(per_class):
    out = []
    for d in sorted(VAL.iterdir()):
        files = sorted(d.iterdir())
        out += files[:: max(1, len(files) // per_class)][:per_class]
    return out
