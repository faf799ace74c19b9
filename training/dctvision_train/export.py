"""Writes a folded model as the folder the browser loads (src/engine/weights.ts):
model.json (network, width, classes, class names, input contract, tfjs weights
manifest, sha256 of every shard) + binary shards, float32 or float16 storage."""
import hashlib
import json
from pathlib import Path

import numpy as np

from .model import Network, load_inference_tensors, named_inference_tensors
from .spec import load_specs

SHARD_BYTES = 4 * 1024 * 1024


def input_contract(plan):
    shapes = {k: list(v) for k, v in plan["inputs"].items()}
    g = plan["input"]
    if g["kind"] == "rgb":
        return {"kind": "rgb", "shapes": shapes,
                "description": f"RGB pixels 0-255 (float), NHWC, resized so the short side is {g['size']} and centre-cropped"}
    y, c = g["size"] // 8, g["chroma_size"] // 8
    return {"kind": "dct", "shapes": shapes,
            "description": "DCT coefficients dequantized (quantized value x quantization entry), NHWC, channel 8*v+u "
                           f"(libjpeg natural order); y {y}x{y} blocks, cb/cr {c}x{c} blocks ({g['size']}x{g['size']}, "
                           f"chroma {g['chroma_size']}x{g['chroma_size']})"}


def export_model(model, out_dir, class_names, dtype="float16", spec_doc=None):
    """`model` must be folded (Network.fold_()). Returns the model.json dict."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("group1-shard*.bin"):
        old.unlink()
    tensors = named_inference_tensors(model)
    np_dtype = np.float16 if dtype == "float16" else np.float32
    entries, blob = [], bytearray()
    for name, t in tensors.items():
        a = t.cpu().numpy().astype(np_dtype)
        entry = {"name": name, "shape": list(a.shape), "dtype": "float32"}
        if dtype == "float16":
            entry["quantization"] = {"dtype": "float16"}
        entries.append(entry)
        blob += a.astype("<f2" if dtype == "float16" else "<f4").tobytes()
    shards = [bytes(blob[i:i + SHARD_BYTES]) for i in range(0, len(blob), SHARD_BYTES)] or [b""]
    paths, shas = [], []
    for i, data in enumerate(shards):
        path = f"group1-shard{i + 1}of{len(shards)}.bin"
        (out_dir / path).write_bytes(data)
        paths.append(path)
        shas.append(hashlib.sha256(data).hexdigest())
    plan = model.plan
    doc = {
        "format": "dctvision-model",
        "version": 1,
        "network": plan["name"],
        "width": plan["width"],
        "classes": plan["classes"],
        "classNames": list(class_names),
        # The network's row of networks.json: the folder describes itself, so a
        # network added by a user loads in a library that does not ship its row.
        "spec": (spec_doc or load_specs())["networks"][plan["name"]],
        "input": input_contract(plan),
        "params": plan["params"],
        "macs": plan["macs"],
        "weightsManifest": [{"paths": paths, "weights": entries}],
        "shardSha256": [shas],
    }
    (out_dir / "model.json").write_text(json.dumps(doc, indent=1) + "\n")
    return doc


def read_model(model_dir):
    """(model.json dict, {name: float32 array}) — the round trip of export_model, sha256-checked."""
    model_dir = Path(model_dir)
    doc = json.loads((model_dir / "model.json").read_text())
    blob = bytearray()
    for group, shas in zip(doc["weightsManifest"], doc["shardSha256"]):
        for path, sha in zip(group["paths"], shas):
            data = (model_dir / path).read_bytes()
            if hashlib.sha256(data).hexdigest() != sha:
                raise ValueError(f"shard {path} fails its sha256 check")
            blob += data
    tensors, offset = {}, 0
    for group in doc["weightsManifest"]:
        for e in group["weights"]:
            n = int(np.prod(e["shape"])) if e["shape"] else 1
            fp16 = e.get("quantization", {}).get("dtype") == "float16"
            dt, size = ("<f2", 2) if fp16 else ("<f4", 4)
            tensors[e["name"]] = np.frombuffer(bytes(blob[offset:offset + n * size]), dtype=dt).astype(np.float32).reshape(e["shape"])
            offset += n * size
    return doc, tensors


def load_exported(model_dir):
    """(folded network in eval mode with the shipped float16 weights, model.json dict): what ships, read back."""
    doc, tensors = read_model(model_dir)
    spec_doc = {"networks": {doc["network"]: doc["spec"]}} if doc.get("spec") else None
    model = Network(doc["network"], doc["width"], doc["classes"], spec_doc).eval().fold_()
    load_inference_tensors(model, tensors)
    return model, doc
