"""The simulated encoder against Debian's cjpeg, its decoded-back RGB against djpeg."""
import subprocess
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch

from dctvision_train import jpeg_sim
from tests.helpers import djpeg_rgb, native_coefficients, val_files


class SimulatedJpeg(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.images = []
        for f in val_files(1):
            rgb = djpeg_rgb(f)
            if rgb.shape == (224, 224, 3):
                cls.images.append(rgb)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def cjpeg(self, rgb, quality, name):
        ppm = Path(self.tmp.name) / f"{name}.ppm"
        ppm.write_bytes(b"P6\n%d %d\n255\n" % (rgb.shape[1], rgb.shape[0]) + rgb.tobytes())
        jpg = Path(self.tmp.name) / f"{name}-q{quality}.jpg"
        jpg.write_bytes(subprocess.run(["cjpeg", "-quality", str(quality), "-sample", "2x2", "-dct", "int", str(ppm)],
                                       check=True, capture_output=True).stdout)
        return jpg

    def test_encoder_reproduces_cjpeg(self):
        same = {"luma": [0, 0], "chroma": [0, 0]}
        worst = 0
        for i, rgb in enumerate(self.images):
            for quality in (50, 75, 95):
                jpg = self.cjpeg(rgb, quality, f"img{i}")
                meta, ref = native_coefficients(jpg)
                (y, cb, cr), (ql, qc) = jpeg_sim.encode(torch.from_numpy(rgb.copy()).permute(2, 0, 1)[None].float(), quality)
                self.assertEqual([c["qtable"] for c in meta["components"]], [ql[0].int().tolist(), qc[0].int().tolist(), qc[0].int().tolist()])
                for name, ours, theirs in (("luma", y, ref[0]), ("chroma", cb, ref[1]), ("chroma", cr, ref[2])):
                    diff = np.abs(ours[0].numpy() - theirs)
                    same[name][0] += int((diff == 0).sum())
                    same[name][1] += diff.size
                    worst = max(worst, int(diff.max()))
        luma, chroma = same["luma"][0] / same["luma"][1], same["chroma"][0] / same["chroma"][1]
        print(f"\nsimulated encoder vs cjpeg: luma {luma:.4%}, chroma {chroma:.4%} identical; largest difference {worst}")
        self.assertGreaterEqual(luma, 0.99)
        self.assertGreaterEqual(chroma, 0.97)
        self.assertLessEqual(worst, 1)

    def test_decoded_back_matches_djpeg(self):
        maes = []
        for i, rgb in enumerate(self.images):
            jpg = self.cjpeg(rgb, 75, f"dec{i}")
            meta, ref = native_coefficients(jpg)
            tables = jpeg_sim.quant_tables(torch.tensor([75]))
            coefs = tuple(torch.from_numpy(p.astype(np.float32))[None] for p in ref)
            ours = jpeg_sim.decode(coefs, tables)[0].permute(1, 2, 0).numpy()
            theirs = djpeg_rgb(jpg).astype(np.float32)
            maes.append(float(np.abs(ours - theirs).mean()))
        print(f"\ndecoded-back RGB vs djpeg: mean absolute error {np.mean(maes):.4f} (worst image {max(maes):.4f})")
        self.assertLessEqual(max(maes), 1.0)

    def test_networks_input_is_dequantized_nhwc(self):
        rgb = torch.from_numpy(self.images[0].copy()).permute(2, 0, 1)[None].float()
        coefs, tables = jpeg_sim.encode(rgb, 75)
        x = jpeg_sim.dequantized_nhwc(coefs, tables)
        self.assertEqual({k: tuple(v.shape) for k, v in x.items()}, {"y": (1, 28, 28, 64), "cb": (1, 14, 14, 64), "cr": (1, 14, 14, 64)})
        self.assertTrue(torch.equal(x["y"], coefs[0] * tables[0][:, None, None, :]))


if __name__ == "__main__":
    unittest.main()
