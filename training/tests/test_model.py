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


class InputNormalization(unittest.TestCase):
    def test_training_floor_matches_batchnorm_above_it_and_clamps_below(self):
        from dctvision_train.model import INPUT_BN_VAR_FLOOR, InputBatchNorm
        torch.manual_seed(0)
        x = torch.randn(8, 4, 6, 6) * torch.tensor([30.0, 5.0, 0.5, 0.01]).view(1, -1, 1, 1) + 3
        plain, floored = torch.nn.BatchNorm2d(4).train(), InputBatchNorm(4, INPUT_BN_VAR_FLOOR).train()
        for bn in (plain, floored):
            bn.weight.data = torch.tensor([1.5, -0.5, 2.0, 1.0])
            bn.bias.data = torch.tensor([0.1, 0.2, 0.3, 0.4])
        a, b = plain(x), floored(x)
        # channels whose batch variance is above the floor: exactly BatchNorm
        self.assertTrue(torch.allclose(a[:, :2], b[:, :2], atol=1e-5))
        # below it: divided by the floor's standard deviation, not amplified
        mean, var = x[:, 2:].mean(dim=(0, 2, 3)), x[:, 2:].var(dim=(0, 2, 3), unbiased=False)
        self.assertTrue((var < INPUT_BN_VAR_FLOOR).all())
        want = (x[:, 2:] - mean.view(1, -1, 1, 1)) / (INPUT_BN_VAR_FLOOR + 1e-5) ** 0.5 * torch.tensor([2.0, 1.0]).view(1, -1, 1, 1) + torch.tensor([0.3, 0.4]).view(1, -1, 1, 1)
        self.assertTrue(torch.allclose(b[:, 2:], want, atol=1e-5))
        self.assertLess(b[:, 3].abs().max().item() - 0.4, 0.05)
        # running statistics kept exactly as BatchNorm keeps them (inference applies the floor to them)
        self.assertTrue(torch.allclose(plain.running_mean, floored.running_mean))
        self.assertTrue(torch.allclose(plain.running_var, floored.running_var))
        self.assertEqual(int(floored.num_batches_tracked), 1)


class FinalCheckpoint(unittest.TestCase):
    def test_batchnorm_statistics_keep_float32_past_float16_range(self):
        from dctvision_train.trainer import half_weights
        m = Network("late-concat", 0.125, 10)
        m.layers["l0"].running_var.fill_(1.2e5)  # Y's DC: larger than float16's 65504
        sd = half_weights(m.state_dict())
        self.assertEqual(sd["layers.l0.running_var"].dtype, torch.float32)
        self.assertTrue(torch.isfinite(sd["layers.l0.running_var"]).all())
        self.assertEqual(sd["layers.l0.weight"].dtype, torch.float16)
        self.assertTrue(all(v.dtype == torch.float16 for k, v in sd.items() if k.endswith("conv.weight")))
