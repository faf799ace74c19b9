"""Reads src/engine/networks.json: the one description of every network, shared with
src/engine/plan.ts. Expands shorthands, applies the width multiplier, checks the
graph, and infers every tensor's shape, parameter and MAC count. The rules here
and in src/engine/plan.ts must stay identical (tests compare both halves' counts)."""
import json
import math
from pathlib import Path

SPEC_PATH = Path(__file__).resolve().parents[2] / "src" / "engine" / "networks.json"


class SpecError(ValueError):
    """A network description that cannot be built."""


def load_specs(path=SPEC_PATH):
    with open(path) as f:
        return json.load(f)


def scale_width(c, width):
    return max(8, int(math.floor(c * width / 8 + 0.5)) * 8)


def expand_blocks(layer):
    """The bottleneck blocks of a `stage` or `blocks` layer, as dicts."""
    if layer["op"] == "stage":
        first = dict(shortcut="projection", mid=layer["mid"], out=layer["out"], k=layer["k"], stride=layer["stride"])
        rest = [dict(shortcut="identity", mid=layer["mid"], out=layer["out"], k=layer["k"], stride=1)] * layer["identity"]
        return [first, *rest]
    return list(layer["blocks"])


def conv_out(size, k, stride, pad_total):
    return (size + pad_total - k) // stride + 1


def pad_of(k):
    """(before, after) padding of a k×k conv: symmetric for odd k, 0/1 for even k (TF 'same')."""
    return (k // 2, k // 2) if k % 2 else ((k - 2) // 2, k // 2)


def baseline_id(spec_doc):
    """Id of the network marked "baseline" (the one the others are compared with)."""
    ids = [k for k, v in spec_doc["networks"].items() if v.get("baseline")]
    if len(ids) != 1:
        raise SpecError(f'exactly one network must be marked "baseline", found {len(ids)}')
    return ids[0]


def input_geometry(name, net):
    """What the network reads, from its "input" kind and input shapes (as plan.ts inputGeometry):
    {"kind": "dct", "size": luma pixels, "chroma_size": chroma pixels} or {"kind": "rgb", "size": pixels}."""
    def square(t, c):
        s = net["inputs"].get(t)
        if not s or s[0] != s[1] or s[2] != c:
            raise SpecError(f"{name}: input {t!r} must be a square of {c} channels")
        return s[0]
    names = ",".join(sorted(net["inputs"]))
    if net.get("input") == "rgb":
        if names != "rgb":
            raise SpecError(f'{name}: an "rgb" network reads exactly one input, rgb')
        return dict(kind="rgb", size=square("rgb", 3))
    if net.get("input") != "dct":
        raise SpecError(f'{name}: "input" must be "dct" or "rgb"')
    if names != "cb,cr,y":
        raise SpecError(f'{name}: a "dct" network reads exactly y, cb and cr')
    y, c = square("y", 64), square("cb", 64)
    if square("cr", 64) != c or y % c:
        raise SpecError(f"{name}: cb and cr must be equal and divide y")
    return dict(kind="dct", size=y * 8, chroma_size=c * 8)


def plan(spec_doc, name, width=1.0, classes=1000):
    """Walks a network: returns a list of resolved layers (with shapes and channel
    counts), the output feature width, and the parameter / MAC totals."""
    nets = spec_doc["networks"]
    if name not in nets:
        raise SpecError(f"unknown network {name!r}; known: {', '.join(nets)}")
    net = nets[name]
    geometry = input_geometry(name, net)
    shapes = {k: tuple(v) for k, v in net["inputs"].items()}  # name -> (H, W, C)
    steps, params, macs = [], 0, 0

    def need(t, where):
        if t not in shapes:
            raise SpecError(f"{name}: {where} reads tensor {t!r}, which no earlier layer produced")
        return shapes[t]

    def conv(h, w, cin, cout, k, stride, where):
        nonlocal params, macs
        pb, pa = pad_of(k)
        oh, ow = conv_out(h, k, stride, pb + pa), conv_out(w, k, stride, pb + pa)
        if oh < 1 or ow < 1:
            raise SpecError(f"{name}: {where} gives an empty output ({oh}x{ow})")
        params += k * k * cin * cout
        macs += k * k * cin * cout * oh * ow
        return oh, ow

    for i, layer in enumerate(net["layers"]):
        op = layer.get("op")
        where = f"layer {i} ({op})"
        lid = f"l{i}"
        if op == "bn":
            h, w, c = need(layer["from"], where)
            shapes[layer["to"]] = (h, w, c)
            steps.append(dict(layer, id=lid, channels=c))
        elif op == "conv":
            h, w, c = need(layer["from"], where)
            cout = scale_width(layer["out"], width) if layer.get("scale", True) else layer["out"]
            oh, ow = conv(h, w, c, cout, layer["k"], layer["stride"], where)
            shapes[layer["to"]] = (oh, ow, cout)
            steps.append(dict(layer, id=lid, cin=c, cout=cout))
        elif op == "deconv":
            h, w, c = need(layer["from"], where)
            cout = scale_width(layer["out"], width) if layer.get("scale", True) else layer["out"]
            k, s = layer["k"], layer["stride"]
            oh, ow = (h - 1) * s + k, (w - 1) * s + k
            params += k * k * c * cout
            macs += k * k * c * cout * h * w
            shapes[layer["to"]] = (oh, ow, cout)
            steps.append(dict(layer, id=lid, cin=c, cout=cout))
        elif op == "maxpool":
            h, w, c = need(layer["from"], where)
            p = layer.get("pad", 0)
            shapes[layer["to"]] = (conv_out(h, layer["k"], layer["stride"], 2 * p), conv_out(w, layer["k"], layer["stride"], 2 * p), c)
            steps.append(dict(layer, id=lid))
        elif op == "upsample":
            h, w, c = need(layer["from"], where)
            f = layer["factor"]
            shapes[layer["to"]] = (h * f, w * f, c)
            steps.append(dict(layer, id=lid))
        elif op == "concat":
            parts = [need(t, where) for t in layer["from"]]
            if len({p[:2] for p in parts}) != 1:
                raise SpecError(f"{name}: {where} joins tensors of different sizes {[p[:2] for p in parts]}")
            shapes[layer["to"]] = (parts[0][0], parts[0][1], sum(p[2] for p in parts))
            steps.append(dict(layer, id=lid))
        elif op in ("stage", "blocks"):
            h, w, c = need(layer["from"], where)
            resolved = []
            for j, b in enumerate(expand_blocks(layer)):
                bw = f"{where} block {j}"
                mid, out = scale_width(b["mid"], width), scale_width(b["out"], width)
                if b["shortcut"] == "identity" and c != out:
                    raise SpecError(f"{name}: {bw} is an identity block but its input has {c} channels and its output {out}")
                if b["shortcut"] == "identity" and b["stride"] != 1:
                    raise SpecError(f"{name}: {bw} is an identity block with stride {b['stride']}")
                if b["shortcut"] not in ("identity", "projection"):
                    raise SpecError(f"{name}: {bw} has unknown shortcut {b['shortcut']!r}")
                oh, ow = conv(h, w, c, mid, 1, b["stride"], bw)
                conv(oh, ow, mid, mid, b["k"], 1, bw)
                conv(oh, ow, mid, out, 1, 1, bw)
                if b["shortcut"] == "projection":
                    conv(h, w, c, out, 1, b["stride"], bw)
                resolved.append(dict(b, id=f"{lid}.b{j}", cin=c, mid=mid, out=out))
                h, w, c = oh, ow, out
            shapes[layer["to"]] = (h, w, c)
            steps.append(dict(layer, id=lid, resolved=resolved))
        elif op == "head":
            h, w, c = need(layer["from"], where)
            params += c * classes + classes
            macs += c * classes
            steps.append(dict(layer, id="head", cin=c, classes=classes))
        else:
            raise SpecError(f"{name}: {where}: unknown op {op!r}")
    if not steps or steps[-1]["op"] != "head":
        raise SpecError(f"{name}: the last layer must be the head")
    return dict(name=name, width=width, classes=classes, baseline=bool(net.get("baseline")), input=geometry,
                inputs=net["inputs"], steps=steps, params=params, macs=macs)
