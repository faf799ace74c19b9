"""interpolate: weight-space mixing of two exported models of one network."""
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch

from dctvision_train.export import export_model, read_model
from dctvision_train.interpolate import interpolate
from dctvision_train.model import Network


def exported(d, seed, network="late-concat", classes=10):
    torch.manual_seed(seed)
    model = Network(network, 0.0625, classes).eval().fold_()
    for p in model.parameters():
        p.data.normal_(0, 0.1)
    export_model(model, d, [f"c{k}" for k in range(classes)], dtype="float32")
    return read_model(d)[1]


class InterpolateTest(unittest.TestCase):
    def test_each_tensor_is_the_weighted_mean_and_the_ends_are_the_models(self):
        with tempfile.TemporaryDirectory() as d:
            d = Path(d)
            a, b = exported(d / "a", 1), exported(d / "b", 2)
            for alpha in (0.0, 0.3, 1.0):
                interpolate(d / "a", d / "b", alpha, d / "mix")
                _, mix = read_model(d / "mix")
                self.assertEqual(set(mix), set(a))
                for k in a:
                    # float16 storage: within its rounding of the exact mean
                    want = (1 - alpha) * a[k] + alpha * b[k]
                    np.testing.assert_allclose(mix[k], want, rtol=2e-3, atol=2e-4, err_msg=f"{k} at alpha {alpha}")

    def test_different_networks_or_classes_and_bad_alpha_are_refused(self):
        with tempfile.TemporaryDirectory() as d:
            d = Path(d)
            exported(d / "a", 1)
            exported(d / "other", 2, classes=5)
            with self.assertRaisesRegex(ValueError, "differ in classes"):
                interpolate(d / "a", d / "other", 0.5, d / "mix")
            with self.assertRaisesRegex(ValueError, "alpha"):
                interpolate(d / "a", d / "a", 1.5, d / "mix")


if __name__ == "__main__":
    unittest.main()
