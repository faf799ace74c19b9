"""The progressive-cut simulation against native libjpeg reading real cut files."""
import subprocess
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch

from dctvision_train.progressive import ABSENT, LIBJPEG_SCRIPT, cut, cut_file, random_shifts, scan_ends, shifts_after

from .helpers import VAL, native_coefficients


class ProgressiveCuts(unittest.TestCase):
    def test_every_cut_of_libjpegs_script_is_what_libjpeg_decodes(self):
        src = sorted((VAL / "n03425413").iterdir())[0]
        with tempfile.TemporaryDirectory() as d:
            prog = Path(d) / "p.jpg"
            subprocess.run(["jpegtran", "-progressive", "-outfile", str(prog), str(src)], check=True)
            data = prog.read_bytes()
            self.assertEqual(len(scan_ends(data)), len(LIBJPEG_SCRIPT))
            _, full = native_coefficients(prog)
            full = tuple(torch.from_numpy(p.astype(np.float32))[None] for p in full)
            for k in range(1, len(LIBJPEG_SCRIPT) + 1):
                part = Path(d) / f"cut{k}.jpg"
                part.write_bytes(cut_file(data, k))
                _, want = native_coefficients(part)
                got = cut(full, shifts_after(LIBJPEG_SCRIPT, k)[None])
                for c in range(3):
                    self.assertTrue(np.array_equal(got[c][0].numpy(), want[c].astype(np.float32)), f"scan {k}, component {c}")
            self.assertFalse(bool((shifts_after(LIBJPEG_SCRIPT, 10) != 0).any()))  # all ten: exact

    def test_random_cuts_keep_dc_and_vary(self):
        s = random_shifts(400, torch.Generator().manual_seed(1))
        self.assertTrue(bool((s[:, :, 0] < ABSENT).all()))  # every cut has had its DC scan
        self.assertGreater(len({tuple(r.flatten().tolist()) for r in s}), 30)
        self.assertTrue(bool((s[:, 0, 1:] == ABSENT).all(dim=1).any()))  # some are DC only

    def test_scan_weights_choose_which_of_libjpegs_cuts_are_drawn(self):
        lib = {tuple(shifts_after(LIBJPEG_SCRIPT, k).flatten().tolist()): k for k in range(1, len(LIBJPEG_SCRIPT))}
        drawn = lambda w: [lib.get(tuple(r.flatten().tolist())) for r in random_shifts(2000, torch.Generator().manual_seed(2), scan_weights=w)]
        only5 = drawn([0, 0, 0, 0, 1, 0, 0, 0, 0])
        self.assertTrue(900 < only5.count(5) < 1100)  # half the draws are libjpeg's cuts, all after scan 5
        # (the random band shapes of the other half match one of libjpeg's cuts now and then)
        self.assertTrue(all(only5.count(k) < 100 for k in (1, 2, 3, 4, 6, 7, 8, 9)), [only5.count(k) for k in range(1, 10)])
        focused = drawn([1, 1, 1, 4, 4, 2, 1, 1, 1])
        self.assertGreater(focused.count(5), 2.5 * focused.count(3))  # four times as often, give or take the draw


class StableVerdict(unittest.TestCase):
    def test_the_first_scan_from_which_the_verdict_stays(self):
        from dctvision_train.progressive_eval import summary
        cuts = [[(None, 0.1, 100), (None, 0.5, 500), (None, 1.0, 1000)]] * 3
        preds = [[1, 2, 2], [2, 2, 2], [2, 1, 2]]  # stable from scan 2, 1 and 3
        s = summary(preds, torch.tensor([2, 2, 1]), cuts, rate=8000)
        self.assertEqual(s["top1"], [round(1 / 3, 4), 1.0, round(2 / 3, 4)])
        self.assertEqual(s["stable_bytes_share"], 0.5)
        self.assertEqual(s["stable_ms"], 500.0)  # 500 bytes at 8,000 bit/s


class ProgressiveZoo(unittest.TestCase):
    def test_a_fine_tune_counts_the_training_behind_it(self):
        from dctvision_train.evaluate import training_totals
        ck = dict(epochs=12, train_seconds=1000.0, hardware="cpu", recipe={"partial": 0.4}, fine_tuned_from="late-concat",
                  prior=dict(epochs=88, train_seconds=5000.0, hardware="cpu x2", recipe={"lr": 0.002}))
        t = training_totals(ck)
        self.assertEqual((t["epochs"], t["train_seconds"], t["recipe"]), (100, 6000.0, {"lr": 0.002}))
        self.assertEqual(t["fine_tune"]["epochs"], 12)
        self.assertEqual(training_totals(dict(ck, prior=None))["epochs"], 12)
        self.assertNotIn("before", t["fine_tune"])
        again = dict(ck, prior=dict(ck["prior"], epochs=100, fine_tune=t["fine_tune"], mix=dict(alpha=0.5)))  # a fine-tune of a mix
        t2 = training_totals(again)
        self.assertEqual((t2["epochs"], t2["fine_tune"]["before"]["mix"]["alpha"]), (112, 0.5))
        self.assertEqual(t2["fine_tune"]["before"]["fine_tune"]["recipe"], {"partial": 0.4})

    def test_the_fine_tune_lands_only_if_it_keeps_the_full_val_top1(self):
        import json
        import tempfile
        from pathlib import Path
        from dctvision_train.trainer import PROGRESSIVE
        from dctvision_train.zoo import land_progressive, progressive_done
        with tempfile.TemporaryDirectory() as d:
            models, staged = Path(d) / "models", Path(d) / "staged"
            for folder, top1 in ((models / "n", 0.8815), (staged, 0.8780)):
                folder.mkdir(parents=True)
                (folder / "metrics.json").write_text(json.dumps(dict(top1=top1, fine_tune=dict(recipe={"partial": 0.4}))))
            self.assertFalse(land_progressive("n", staged, models))  # 0.35 points lower
            self.assertEqual(json.loads((models / "n" / "metrics.json").read_text())["top1"], 0.8815)
            (staged / "metrics.json").write_text(json.dumps(dict(top1=0.8790, fine_tune=dict(recipe={"partial": 0.4}))))
            self.assertTrue(land_progressive("n", staged, models))
            self.assertEqual(json.loads((models / "n" / "metrics.json").read_text())["top1"], 0.8790)
            self.assertFalse(progressive_done(models / "n" / "metrics.json"))  # taught without the teacher
            self.assertTrue(progressive_done(models / "n" / "metrics.json", dict(teacher=0.0)))
            (models / "n" / "metrics.json").write_text(json.dumps(dict(top1=0.8790, fine_tune=dict(recipe={"partial": 0.5, "teacher": 0.5}))))
            self.assertFalse(progressive_done(models / "n" / "metrics.json"))  # cuts drawn evenly
            (models / "n" / "metrics.json").write_text(json.dumps(dict(top1=0.8790, fine_tune=dict(
                recipe={"partial": 0.5, "teacher": 0.5, "scan_weights": PROGRESSIVE["scan_weights"]}))))
            self.assertTrue(progressive_done(models / "n" / "metrics.json"))

    def test_every_shipped_network_is_within_the_budget_of_its_whole_file_network(self):
        import json
        from dctvision_train.zoo import MAX_PROGRESSIVE_LOSS, ORDER, ROOT, WHOLE
        for net in ORDER:
            whole = json.loads((WHOLE / net / "metrics.json").read_text())
            shipped = json.loads((ROOT / "models" / net / "metrics.json").read_text())
            self.assertNotIn("fine_tune", whole, net)  # trained on whole files only
            self.assertEqual(whole["val_images"], shipped["val_images"], net)
            self.assertGreaterEqual(shipped["top1"], whole["top1"] - MAX_PROGRESSIVE_LOSS, net)

    def test_the_budget_is_counted_from_the_whole_file_network_not_from_an_earlier_fine_tune(self):
        import json
        import tempfile
        from pathlib import Path
        from unittest import mock
        from dctvision_train import zoo
        with tempfile.TemporaryDirectory() as d:
            whole, models, staged = Path(d) / "whole", Path(d) / "models", Path(d) / "staged"
            for folder, top1 in ((whole / "n", 0.8815), (models / "n", 0.8700), (staged, 0.8780)):
                folder.mkdir(parents=True)
                (folder / "metrics.json").write_text(json.dumps(dict(top1=top1)))
            with mock.patch.object(zoo, "WHOLE", whole):
                self.assertEqual(zoo.reference_top1("n", models), 0.8815)
                self.assertFalse(zoo.land_progressive("n", staged, models))  # above the shipped 0.8700, 0.35 below whole files
                (staged / "metrics.json").write_text(json.dumps(dict(top1=0.8790)))
                self.assertTrue(zoo.land_progressive("n", staged, models))


class Teacher(unittest.TestCase):
    def test_cut_pictures_are_taught_the_whole_files_answer_by_the_frozen_shipped_network(self):
        from pathlib import Path
        from dctvision_train.export import load_exported
        from dctvision_train.trainer import PROGRESSIVE, Run
        folded, _ = load_exported(Path(__file__).resolve().parents[2] / "models" / "late-concat")
        px = torch.randint(0, 256, (16, 3, 224, 224), dtype=torch.uint8, generator=torch.Generator().manual_seed(3))
        labels = torch.randint(0, 10, (16,), generator=torch.Generator().manual_seed(4))
        recipe = dict(PROGRESSIVE, schedule=[[224, 1]], batch=16, teacher=0.5)
        run = Run("late-concat", recipe, 10, 16)
        run.start_from(folded, "test", px, keep_head=True)
        cut, whole = run._inputs(px, 224, True, 0.8, whole=True)
        same = [bool(torch.equal(cut["y"][i], whole["y"][i])) for i in range(16)]
        self.assertTrue(any(same) and not all(same), same)  # partial 0.5: some pictures cut, some whole
        run.model.eval()
        with torch.no_grad():
            self.assertLess(float(run._distillation(run.model(whole), whole)), 1e-3)  # its own answer on whole files
            self.assertGreater(float(run._distillation(run.model(cut), whole)), 1e-2)
        before = {k: v.clone() for k, v in run.teacher.state_dict().items()}
        run.train_epoch(px, labels)
        self.assertTrue(all(torch.equal(before[k], v) for k, v in run.teacher.state_dict().items()))  # frozen
        self.assertFalse(torch.equal(run.model.layers["head"].weight, folded.layers["head"].weight))
        again = Run.from_state(run.state())
        with torch.no_grad():
            self.assertTrue(torch.equal(again.teacher(whole), run.teacher(whole)))
        self.assertEqual((again.teacher_name, again.final_checkpoint()["teacher"]), ("test", "test"))  # metrics.json names it
        self.assertIn("KL divergence", __import__("dctvision_train.trainer", fromlist=["describe"]).describe(recipe)["text"])

    def test_train_teacher_puts_another_network_in_the_teachers_place(self):
        from types import SimpleNamespace
        from dctvision_train.export import load_exported
        from dctvision_train.train import new_run
        from dctvision_train.trainer import PROGRESSIVE
        root = Path(__file__).resolve().parents[2]
        source, whole = root / "models" / "late-concat", root / "training" / "whole-file" / "late-concat"
        folded, doc = load_exported(whole)
        px = torch.randint(0, 256, (8, 3, 224, 224), dtype=torch.uint8, generator=torch.Generator().manual_seed(5))
        folder = SimpleNamespace(class_ids=list(range(10)), class_names=doc["classNames"], n=8, pixels=px)
        recipe = dict(PROGRESSIVE, schedule=[[224, 1]], batch=8)
        run = new_run("late-concat", recipe, folder, None, str(source), str(whole))
        self.assertEqual(run.teacher_name, "late-concat (whole-file/late-concat, 10 classes)")
        x = run._inputs(px, 224, False)
        with torch.no_grad():
            self.assertTrue(torch.equal(run.teacher(x), folded.eval()(x)))
        with self.assertRaises(SystemExit):  # a recipe without the teacher loss has no use for one
            new_run("late-concat", dict(recipe, teacher=0.0), folder, None, str(source), str(whole))
