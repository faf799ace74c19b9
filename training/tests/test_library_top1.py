"""library_top1: PyTorch's answer is classify()'s, also where the early stop's verdict is too
close to call and classify() decodes the file again with every scan (earlyStopMargin)."""
import json
import subprocess
import tempfile
import unittest
from pathlib import Path

import torch
from PIL import Image

from dctvision_train.data import _library_batches, library_top1
from dctvision_train.export import load_exported
from tests.helpers import ROOT, VAL

MODEL = "downsampling"


def mosaics(folder, which):
    """Progressive 896-px photos of four val files of different classes each (libjpeg's scan
    script): classify() steps over the scans past each block's lowest frequencies, and four
    subjects often put the two most probable classes close together."""
    classes = sorted(p.name for p in VAL.iterdir())
    pools = [sorted((VAL / c).glob("*.JPEG")) for c in classes]
    out = []
    for i in which:
        tiles = [pools[(i + 3 * k) % len(pools)][i] for k in range(4)]
        img = Image.new("RGB", (896, 896))
        for k, t in enumerate(tiles):
            img.paste(Image.open(t).convert("RGB").resize((448, 448), Image.BICUBIC), (448 * (k % 2), 448 * (k // 2)))
        out.append(Path(folder) / f"m{i}.jpg")
        img.save(out[-1], quality=85, progressive=True)
    return out


class LibraryTop1(unittest.TestCase):
    def test_the_clis_answer_with_close_verdicts_decoded_again(self):
        out = ROOT / "models" / MODEL
        model, doc = load_exported(out)
        with tempfile.TemporaryDirectory() as d:
            files = mosaics(d, [0, 1, 2, 3, 24, 65, 71])  # 3, 24, 65, 71: the early stop alone answers otherwise
            cli = subprocess.run(["node", "bin/dctvision.js", "classify", *map(str, files), "--model", MODEL, "--model-url", str(out),
                                  "--top", "1", "--json", "--backend", "wasm"], check=True, cwd=ROOT, capture_output=True, text=True)
            got = {r["file"]: r["predictions"][0]["className"] for r in json.loads(cli.stdout)}
            py = library_top1(model, files, model_dir=out)
            # the early stop's own answers, and which files it read without their refinement scans
            early, read_again, close = [], 0, 0
            for x, ok, again, margin in _library_batches(files, out, None, 64, False, True):
                self.assertTrue(ok.all())
                with torch.no_grad():
                    p = model(x).softmax(1)
                early += p.argmax(1).tolist()
                read_again += len(again)
                top2 = p.topk(2, dim=1).values
                close += sum(int(top2[i, 0] - top2[i, 1] < margin) for i in again)
        names = doc["classNames"]
        self.assertEqual([names[int(i)] for i in py], [got[str(f)] for f in files])
        self.assertEqual(read_again, len(files))  # every mosaic came with its every-scan inputs
        self.assertGreaterEqual(close, 3)         # some verdicts were close enough to take them,
        self.assertGreaterEqual(sum(e != int(p) for e, p in zip(early, py)), 3)  # which changed the answer
        self.assertEqual(margin, 0.1)             # LoadOptions.earlyStopMargin's default


if __name__ == "__main__":
    unittest.main()
