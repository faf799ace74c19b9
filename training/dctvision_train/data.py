"""Data: an ImageFolder of JPEGs (one folder per class), preloaded as uint8 pixels,
augmented on the training device, then JPEG-compressed in simulation (jpeg_sim) so
the DCT networks see dequantized coefficients and the RGB baseline the same image
decoded back. Evaluation reads real files through the library's own input pipeline
(library_inputs); native_tool builds the libjpeg reference the tests compare against."""
import json
import math
import struct
import subprocess
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from . import jpeg_sim, progressive

SIZE = 224


def list_images(root, limit_per_class=None):
    """(files, labels, class_ids, class_names) of an ImageFolder; names from classes.tsv when present."""
    split_root = Path(root)
    class_ids = sorted(p.name for p in split_root.iterdir() if p.is_dir())
    names = dict.fromkeys(class_ids)
    for tsv in (split_root / "classes.tsv", split_root.parent / "classes.tsv"):
        if tsv.exists():
            for line in tsv.read_text().splitlines()[1:]:
                wnid, _, name = line.split("\t")
                if wnid in names:
                    names[wnid] = name
            break
    files, labels = [], []
    for label, cid in enumerate(class_ids):
        found = sorted(p for p in (split_root / cid).iterdir() if p.suffix.lower() in (".jpg", ".jpeg"))
        if limit_per_class:
            found = found[:limit_per_class]
        files += found
        labels += [label] * len(found)
    return files, torch.tensor(labels), class_ids, [names[c] or c for c in class_ids]


def area_weights(n_in, size, offset, scale):
    """[size, n_in] weights of one axis: output pixel i averages the source interval
    [(offset + i) / scale, (offset + i + 1) / scale) (area resize; src/prep/geometry.ts planAxis)."""
    w = np.zeros((size, n_in))
    for i in range(size):
        a, b = (offset + i) / scale, (offset + i + 1) / scale
        for q in range(max(0, math.floor(a)), min(n_in, math.ceil(b))):
            w[i, q] = max(0.0, min(b, q + 1) - max(a, q)) / (b - a)
    return w


def resize_crop(rgb, size=SIZE):
    """The library's policy (src/prep/pixels.ts, and in the DCT domain src/prep/geometry.ts):
    short side to `size` by area averaging, fractional centre crop. uint8 HWC -> float HWC."""
    h, w = rgb.shape[:2]
    if (h, w) == (size, size):
        return rgb.astype(np.float64)
    s = size / min(h, w)
    rows = area_weights(h, size, (h * s - size) / 2, s)
    cols = area_weights(w, size, (w * s - size) / 2, s)
    t = (rows @ rgb.reshape(h, -1).astype(np.float64)).reshape(size, w, -1)  # rows first, then columns
    return np.einsum("iwc,jw->ijc", t, cols, optimize=True)


def load_pixels(files, threads=8):
    """uint8 [N, 3, 224, 224]: libjpeg decode (PIL), EXIF orientation applied, then the library's
    resize/crop policy (resize_crop) rounded to integers."""
    from PIL import Image, ImageOps

    def one(f):
        with Image.open(f) as im:
            rgb = np.asarray(ImageOps.exif_transpose(im).convert("RGB"), dtype=np.uint8)
        return rgb if rgb.shape[:2] == (SIZE, SIZE) else np.clip(np.round(resize_crop(rgb)), 0, 255).astype(np.uint8)
    with ThreadPoolExecutor(threads) as pool:
        arrays = list(pool.map(one, files))
    return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()


def augment(pixels, generator=None, min_scale=0.35, size=SIZE, sharp=0.0):
    """Random resized crop (area 35-100%, aspect 3/4-4/3) + horizontal flip, batched on the device,
    to size x size (a multiple of 16: progressive resizing trains at lower resolutions first).
    `sharp`: the fraction of pictures kept at their own pixels (flip only) when size is theirs -
    bilinear resampling at a fractional offset blurs every crop, and a network that sees only
    blurred pictures loses points on sharp ones (the val files; docs/MODELS.md)."""
    n, dev = pixels.shape[0], pixels.device
    rand = lambda *s: torch.rand(*s, generator=generator, device=dev)
    area = min_scale + (1 - min_scale) * rand(n)
    logr = math.log(3 / 4) + (math.log(4 / 3) - math.log(3 / 4)) * rand(n)
    ratio = torch.exp(logr)
    sw = torch.sqrt(area * ratio).clamp(max=1.0)
    sh = torch.sqrt(area / ratio).clamp(max=1.0)
    tx = (1 - sw) * (2 * rand(n) - 1)
    ty = (1 - sh) * (2 * rand(n) - 1)
    flip = torch.where(rand(n) < 0.5, -1.0, 1.0)
    if sharp and size == pixels.shape[-1]:  # no draw otherwise: recipes without it keep their random stream
        keep = rand(n) < sharp
        sw, sh, tx, ty = (torch.where(keep, one, v) for one, v in ((1.0, sw), (1.0, sh), (0.0, tx), (0.0, ty)))
    theta = torch.zeros(n, 2, 3, device=dev)
    theta[:, 0, 0], theta[:, 0, 2], theta[:, 1, 1], theta[:, 1, 2] = sw * flip, tx, sh, ty
    grid = F.affine_grid(theta, (n, 3, size, size), align_corners=False)
    return F.grid_sample(pixels.float(), grid, mode="bilinear", padding_mode="reflection", align_corners=False).clamp(0, 255).round()


def network_inputs(rgb, kind, quality, shifts=None, whole=False):
    """Simulated JPEG of float RGB [N,3,H,W] (multiples of 16): DCT planes (NCHW, dequantized) or decoded RGB.
    `shifts` [N,3,64]: each picture as a progressive file cut short holds it (progressive.cut);
    `whole`: (those inputs, the same files' whole-file inputs)."""
    coefs, tables = jpeg_sim.encode(rgb, quality)
    cut = progressive.cut(coefs, shifts) if shifts is not None else coefs
    if whole:
        return _inputs_of(cut, tables, kind), _inputs_of(coefs, tables, kind)
    return _inputs_of(cut, tables, kind)


def _inputs_of(coefs, tables, kind):
    if kind == "rgb":
        return {"rgb": jpeg_sim.decode(coefs, tables)}
    return {k: v.permute(0, 3, 1, 2).contiguous() for k, v in jpeg_sim.dequantized_nhwc(coefs, tables).items()}


def native_tool():
    root = Path(__file__).resolve().parents[2]
    tool, src = root / "build" / "dctref", root / "wasm" / "ref" / "dctref.c"
    if not tool.exists() or tool.stat().st_mtime < src.stat().st_mtime:
        tool.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cc", "-O2", "-o", str(tool), str(src), "-ljpeg"], check=True)
    return str(tool)


def library_inputs(files, model_dir=None, network=None, batch=64, exact=False, smoothing=True):
    """Yields (inputs NCHW float32, ok mask) per batch of files, prepared by the library's own
    input pipeline (scripts/prep-inputs.mjs: WebAssembly decoder, DCT-domain geometry or the
    pixel path, exactly what classify() prepares) - any JPEG, any size, layout or orientation.
    Files the library refuses come back with ok False and zero inputs. `exact`: DCT inputs
    through the full operators instead of the truncated fast path. `smoothing` False: bands a
    file lacks stay zero instead of being estimated from neighbouring DC values."""
    for x, ok, _, _ in _library_batches(files, model_dir, network, batch, exact, smoothing):
        yield x, ok


def library_top1(model, files, model_dir=None, network=None, batch=64, exact=False):
    """The class index classify() answers for each file (-1: refused), by `model` in PyTorch on
    the library's inputs: a verdict of the early stop whose two most probable classes are within
    earlyStopMargin is taken, as classify() takes it, from the file decoded with every scan."""
    return torch.cat([y.argmax(1).masked_fill(~ok, -1) for y, ok in library_logits(model, files, model_dir, network, batch, exact)])


def library_logits(model, files, model_dir=None, network=None, batch=64, exact=False):
    """Yields (logits, ok mask) per batch: `model` on the library's inputs, with classify()'s
    second look at close early-stop verdicts (library_top1)."""
    with torch.no_grad():
        for x, ok, again, margin in _library_batches(files, model_dir, network, batch, exact, True):
            y = model(x)
            for i, inputs in again.items():
                top2 = y[i].softmax(0).topk(2).values
                if top2[0] - top2[1] >= margin:
                    continue
                if inputs is None:
                    ok[i] = False
                else:
                    y[i] = model(inputs)[0]
            yield y, ok


def _library_batches(files, model_dir, network, batch, exact, smoothing):
    """(inputs, ok, again, margin) per batch; again: batch index -> the inputs decoded with every
    scan (None: that decode failed) for the files the early stop read without the scans that
    refine what it kept (scripts/prep-inputs.mjs, statuses 2 and 3)."""
    root = Path(__file__).resolve().parents[2]
    args = ["--model", str(model_dir)] if model_dir else ["--network", network]
    if exact:
        args.append("--exact")
    if not smoothing:
        args.append("--no-smoothing")
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(["node", str(root / "scripts" / "prep-inputs.mjs"), *args], cwd=root,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
        feed = threading.Thread(target=lambda: (proc.stdin.write(("\n".join(str(Path(f).resolve()) for f in files) + "\n").encode()), proc.stdin.close()))
        feed.start()
        try:
            header = json.loads(proc.stdout.readline() or b"null")  # input names and shapes
            if header is None:
                raise RuntimeError("prep-inputs.mjs wrote no header")
            shapes = header["shapes"]
            sizes = {k: int(np.prod(v)) for k, v in shapes.items()}
            nchw = lambda v: torch.from_numpy(v).permute(0, 3, 1, 2).contiguous()
            read = lambda: {k: np.frombuffer(_read_exact(proc.stdout, 4 * sizes[k]), "<f4").reshape(shapes[k]) for k in shapes}
            for start in range(0, len(files), batch):
                n = min(batch, len(files) - start)
                out = {k: np.zeros((n, *shapes[k]), np.float32) for k in shapes}
                ok = np.zeros(n, bool)
                again = {}
                for i in range(n):
                    status = struct.unpack("<i", _read_exact(proc.stdout, 4))[0]
                    if status == 1:
                        continue
                    ok[i] = True
                    for k, v in read().items():
                        out[k][i] = v
                    if status == 2:
                        again[i] = {k: nchw(v[None].copy()) for k, v in read().items()}
                    elif status == 3:
                        again[i] = None
                yield {k: nchw(v) for k, v in out.items()}, torch.from_numpy(ok), again, header["earlyStopMargin"]
        finally:
            feed.join()
            proc.stdout.close()
            if proc.wait() != 0:
                err.seek(0)
                raise RuntimeError(f"prep-inputs.mjs failed: {err.read().decode(errors='replace')[-2000:]}")


def _read_exact(stream, n):
    data = stream.read(n)
    if len(data) != n:
        raise RuntimeError(f"prep-inputs.mjs ended early ({len(data)} of {n} bytes)")
    return data
