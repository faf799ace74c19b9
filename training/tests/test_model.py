"""PyTorch builder: BN folding is exact, the export round trip is lossless (float32)
and checked (sha256, names, shapes)."""
import json
import tempfile
import unittest
from pathlib import Path

import torch

from dctvision_train.export import export_model, read_model
from dctvision_train.model import Network, load_inference_tensors, randomize_batchnorm
from dctvision_train.spec import load_specs




def inputs(model, seed, n=2):
    g = torch.Generator().manual_seed(seed)
    return {k: torch.randn((n, c, h, w), generator=g) * (60 if k == "rgb" else 30) for k, (h, w, c) in model.plan["inputs"].items()}


class Builder(unittest.TestCase):
    def test_folding_is_exact_and_export_round_trips(self):
        for i, name in enumerate(load_specs()["networks"]):
            with self.subTest(name):
                torch.manual_seed(i)
                model = Network(name, 0.125, 10)
                randomize_batchnorm(model, torch.Generator().manual_seed(i))
                model.eval()
                x = inputs(model, i)
                with torch.no_grad():
                    before = model(x)
                    model.fold_()
                    after = model(x)
                scale = before.abs().max()
                self.assertLess(float((before - after).abs().max() / scale), 1e-5)
                with tempfile.TemporaryDirectory() as d:
                    doc = export_model(model, d, [f"c{k}" for k in range(10)], dtype="float32")
                    self.assertEqual((doc["network"], doc["width"], doc["classes"]), (name, 0.125, 10))
                    _, tensors = read_model(d)
                    fresh = Network(name, 0.125, 10).eval().fold_()
                    load_inference_tensors(fresh, tensors)
                    with torch.no_grad():
                        self.assertTrue(torch.equal(fresh(x), after))

    def test_bad_weights_are_refused_naming_the_tensor(self):
        model = Network("late-concat", 0.125, 10).eval().fold_()
        with tempfile.TemporaryDirectory() as d:
            export_model(model, d, [str(k) for k in range(10)])
            _, tensors = read_model(d)
            missing = dict(tensors)
            del missing["l8.b1.c.w"]
            with self.assertRaisesRegex(KeyError, "l8.b1.c.w"):
                load_inference_tensors(model, missing)
            wrong = dict(tensors, **{"head.b": tensors["head.b"][:5]})
            with self.assertRaisesRegex(ValueError, r"'head.b' has shape \(5,\), expected \(10,\)"):
                load_inference_tensors(model, wrong)
            shard = next(Path(d).glob("*.bin"))
            data = bytearray(shard.read_bytes())
            data[10] ^= 1
            shard.write_bytes(bytes(data))
            with self.assertRaisesRegex(ValueError, "sha256"):
                read_model(d)


if __name__ == "__main__":
    unittest.main()
