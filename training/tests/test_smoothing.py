"""smoothing: libjpeg's estimates of absent low AC coefficients, and which bands a cut file holds."""
import subprocess
import tempfile
import unittest
from pathlib import Path

import torch

from dctvision_train.progressive import cut_file
from dctvision_train.smoothing import SMOOTHED, ac_received, smooth
from tests.helpers import VAL


class SmoothingTest(unittest.TestCase):
    def test_bands_received_after_each_scan_of_libjpegs_script(self):
        src = sorted((VAL / sorted(p.name for p in VAL.iterdir())[0]).glob("*.JPEG"))[0]
        with tempfile.TemporaryDirectory() as d:
            prog = Path(d) / "p.jpg"
            subprocess.run(["jpegtran", "-progressive", "-outfile", str(prog), str(src)], check=True)
            data = prog.read_bytes()
        low = {1, 8, 16, 9, 2}  # zigzag 1-5 in natural order
        self.assertEqual(ac_received(cut_file(data, 1)), [set(), set(), set()])  # DC only
        self.assertEqual(ac_received(cut_file(data, 2)), [low, set(), set()])  # luma AC 1-5
        self.assertEqual(ac_received(cut_file(data, 4)), [low, set(range(1, 64)), set(range(1, 64))])
        self.assertEqual(ac_received(data), [set(range(1, 64))] * 3)

    def test_estimates_follow_libjpeg_and_leave_received_coefficients(self):
        # DC rising to the right by 256 per block and downward by 512: AC01 = 36 * (left - right) / 256
        # = 36 * -512 / 256 = -72, AC10 = 36 * -1024 / 256 = -144, the second differences and the cross term 0
        h, w = 5, 6
        x = torch.zeros(1, 64, h, w)
        x[0, 0] = torch.arange(w)[None, :] * 256.0 + torch.arange(h)[:, None] * 512.0
        x[0, 5] = 7.0  # a received coefficient
        out = smooth(x, set(range(1, 64)))
        inner = (slice(1, h - 1), slice(1, w - 1))
        self.assertTrue(torch.allclose(out[0, 1][inner], torch.full((h - 2, w - 2), -72.0)))
        self.assertTrue(torch.allclose(out[0, 8][inner], torch.full((h - 2, w - 2), -144.0)))
        for k in (16, 9, 2):
            self.assertTrue(torch.allclose(out[0, k][inner], torch.zeros(h - 2, w - 2)), k)
        self.assertTrue(torch.equal(out[0, 0], x[0, 0]))
        self.assertTrue(torch.equal(out[0, 5], x[0, 5]))
        # nothing absent among SMOOTHED: unchanged
        self.assertTrue(torch.equal(smooth(x, set(range(1, 64)) - set(SMOOTHED)), x))


if __name__ == "__main__":
    unittest.main()


class LibrarySmoothingTest(unittest.TestCase):
    def test_the_librarys_estimates_are_these_on_cut_files(self):
        """The library (src/prep/smoothing.ts, in quantized units, rounded as libjpeg rounds) against
        smooth() on the same cut files' inputs without smoothing: within half a quantization step."""
        from dctvision_train.data import library_inputs
        srcs = [sorted((VAL / c).glob("*.JPEG"))[0] for c in sorted(p.name for p in VAL.iterdir())[:3]]
        with tempfile.TemporaryDirectory() as d:
            cuts = []
            for i, src in enumerate(srcs):
                prog = Path(d) / f"{i}.jpg"
                subprocess.run(["jpegtran", "-progressive", "-outfile", str(prog), str(src)], check=True)
                for k in (1, 2, 3):
                    cuts.append(Path(d) / f"{i}.s{k}.jpg")
                    cuts[-1].write_bytes(cut_file(prog.read_bytes(), k))
            (on, ok_on), = library_inputs(cuts, network="late-concat")
            (off, ok_off), = library_inputs(cuts, network="late-concat", smoothing=False)
            received = [ac_received(f.read_bytes()) for f in cuts]
        self.assertTrue(ok_on.all() and ok_off.all())
        estimated = 0
        for j, got in enumerate(received):
            for c, name in enumerate(("y", "cb", "cr")):
                absent = set(range(1, 64)) - got[c]
                want = smooth(off[name][j:j + 1], absent)[0]
                self.assertLessEqual((on[name][j] - want).abs().max().item(), 6.5, f"{cuts[j].name} {name}")  # half of Q75's largest step there
                for k in SMOOTHED:
                    if k in absent:
                        self.assertTrue(torch.equal(off[name][j, k], torch.zeros_like(off[name][j, k])))  # zeros without smoothing
                        estimated += int((on[name][j, k] != 0).sum())
        self.assertGreater(estimated, 1000)
