"""The whole pipeline on the CPU with Debian's python3-torch: a few training steps
on a handful of Imagenette images, evaluation on real val files with exact
coefficients, export, and the TypeScript engine's agreement on the exported model."""
import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "imagenette-224"


class TinyPipeline(unittest.TestCase):
    def run_script(self, module, *args):
        r = subprocess.run([sys.executable, "-m", f"dctvision_train.{module}", *args], capture_output=True, text=True, cwd=ROOT / "training")
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        return r.stdout

    def test_train_evaluate_export(self):
        for network in ("late-concat-rfa", "rgb-resnet50"):
            with self.subTest(network), tempfile.TemporaryDirectory() as d:
                run, model = Path(d) / "run", Path(d) / "model"
                # bf16 autocast (the mixed precision used on GPUs) for one of the two
                amp = ["--amp", "bf16"] if network == "late-concat-rfa" else []
                self.run_script("train", "--network", network, "--data", str(DATA), "--width", "0.125", "--epochs", "2",
                                "--batch", "8", "--limit-per-class", "2", "--out", str(run), *amp)
                log = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
                self.assertEqual([e["epoch"] for e in log], [1, 2])
                self.assertTrue(all(e["train_loss"] > 0 and "val_acc_simulated_q75" in e for e in log))
                self.run_script("evaluate", "--checkpoint", str(run / "last.pt"), "--data", str(DATA), "--out", str(model),
                                "--limit-per-class", "3", "--ts-images", "30", "--variants", "1")
                m = json.loads((model / "metrics.json").read_text())
                self.assertEqual((m["network"], m["val_images"], m["ts_agreement_images"], m["epochs"]), (network, 30, 30, 2))
                self.assertEqual(m["recipe"]["amp"], "bf16" if amp else "off")
                self.assertTrue(0 <= m["top1"] <= m["top5"] <= 1)
                self.assertGreaterEqual(m["ts_top1_agreement"], 29 / 30)
                for key in ("params", "macs", "train_seconds", "hardware", "recipe", "ci_sample", "demo_samples"):
                    self.assertIn(key, m)
                # ten re-encoded variants (one per class) classified through the CLI, as PyTorch does on the same inputs
                self.assertEqual(m["variants"]["files"], 10)
                self.assertEqual(m["variants"]["failed"], 0)
                self.assertGreaterEqual(m["variants"]["cli_pytorch_agreement"], 0.9)
                # and the val top-1 of the ten files they were made from, the like-for-like reference
                self.assertIn(round(m["variants"]["top1_sources"] * 10, 6), [float(k) for k in range(11)])
                doc = json.loads((model / "model.json").read_text())
                self.assertEqual(doc["classNames"][:2], ["tench", "English springer"])
                self.assertEqual(doc["weightsManifest"][0]["weights"][0]["quantization"], {"dtype": "float16"})


    def test_distributed_data_parallel_on_cpu(self):
        """Two processes with the environment torchrun sets (gloo on CPU)."""
        import os
        import socket
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        with tempfile.TemporaryDirectory() as d:
            run = Path(d) / "run"
            procs = [subprocess.Popen(
                [sys.executable, "-m", "dctvision_train.train", "--network", "late-concat", "--data", str(DATA),
                 "--width", "0.125", "--epochs", "2", "--batch", "4", "--limit-per-class", "3", "--out", str(run), "--device", "cpu"],
                env=dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), WORLD_SIZE="2", RANK=str(r), LOCAL_RANK=str(r)),
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT / "training") for r in range(2)]
            outs = [p.communicate(timeout=300) for p in procs]
            for p, (_, err) in zip(procs, outs):
                self.assertEqual(p.returncode, 0, err[-3000:])
            log = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
            self.assertEqual(len(log), 2)
            self.assertIn("x2", __import__("torch").load(run / "last.pt")["hardware"])
            self.assertIn("30 training images", outs[0][0])


    def test_zoo_resumes_exactly(self):
        """A zoo run stopped after one epoch and resumed ends with the same weights as one run straight through."""
        import torch
        # (the layout pinned: "auto" times both, and a different choice rounds differently)
        common = ["--networks", "late-concat", "--limit-per-class", "2", "--no-export", "--val-every", "0", "--memory-format", "nchw",
                  "--set", "width=0.125", "--set", "batch=8", "--set", "schedule=[[32,1],[48,2]]", "--data", str(DATA)]
        with tempfile.TemporaryDirectory() as d:
            straight, split = Path(d) / "straight", Path(d) / "split"
            self.run_script("zoo", *common, "--out", str(straight))
            out = self.run_script("zoo", *common, "--out", str(split), "--max-epochs", "1")
            self.assertIn("stopping", out)
            self.assertTrue((split / "late-concat.resume.pt").exists())
            other = subprocess.run([sys.executable, "-m", "dctvision_train.zoo", *common, "--set", "lr=0.1", "--out", str(split)],
                                   capture_output=True, text=True, cwd=ROOT / "training")
            self.assertNotEqual(other.returncode, 0)  # another recipe is refused, not continued
            self.assertIn("trained with another recipe ({'lr': (0.002, 0.1)}", other.stderr)
            self.assertIn("resuming at epoch 1/3", self.run_script("zoo", *common, "--out", str(split)))
            self.assertFalse((split / "late-concat.resume.pt").exists())
            a, b = (torch.load(p / "late-concat.pt") for p in (straight, split))
            self.assertEqual((a["epochs"], b["epochs"]), (3, 3))
            for k, v in a["state_dict"].items():
                self.assertTrue(torch.equal(v, b["state_dict"][k]), k)

    def test_zoo_commits_what_a_fresh_clone_needs_to_continue(self):
        """With --commit, a run stopped by its budget commits its resume checkpoint in the repository
        that holds --out, so a fresh clone (the next session) continues it; the run that finishes
        commits the checkpoint and log and removes the resume file (before any evaluation)."""
        common = ["--networks", "late-concat", "--limit-per-class", "2", "--no-export", "--val-every", "0", "--memory-format", "nchw",
                  "--set", "width=0.125", "--set", "batch=8", "--set", "schedule=[[32,1],[48,2]]", "--data", str(DATA)]
        with tempfile.TemporaryDirectory() as d:
            git = lambda *a: subprocess.run(["git", "-C", d, *a], check=True, capture_output=True, text=True).stdout
            git("init", "-q")
            git("config", "user.email", "zoo@test")
            git("config", "user.name", "zoo test")
            out = Path(d) / "checkpoints" / "v9"
            self.assertIn("stopping", self.run_script("zoo", *common, "--out", str(out), "--max-epochs", "1", "--commit"))
            self.assertEqual(git("log", "--name-only", "--format=%s").split("\n")[:3],
                             ["late-concat.resume.pt: late-concat stopped by the zoo's budget at epoch 1/3; the next run resumes it",
                              "", "checkpoints/v9/late-concat.resume.pt"])
            self.assertEqual(git("status", "--porcelain"), "")
            self.run_script("zoo", *common, "--out", str(out), "--commit")  # finishes: checkpoint and log in, resume file out
            self.assertEqual(sorted(git("show", "--name-status", "--format=", "HEAD").split("\n")[:-1]),
                             ["A\tcheckpoints/v9/late-concat.log.jsonl", "A\tcheckpoints/v9/late-concat.pt",
                              "D\tcheckpoints/v9/late-concat.resume.pt"])
            self.assertEqual(git("status", "--porcelain"), "")

    def test_probe_finetune_trains_a_finished_checkpoint_under_overrides_and_evaluates_it(self):
        """The fine-tuning probe: a finished checkpoint, a changed last stage (sharp pictures), the
        real val files through evaluate.py; the recipe is the checkpoint's plus the --set entries."""
        import torch
        common = ["--limit-per-class", "2", "--data", str(DATA)]
        with tempfile.TemporaryDirectory() as d:
            run, probe = Path(d) / "run", Path(d) / "probe"
            self.run_script("zoo", "--networks", "late-concat", "--no-export", "--val-every", "0", "--memory-format", "nchw",
                            "--set", "width=0.125", "--set", "batch=8", "--set", "schedule=[[32,1]]", "--out", str(run), *common)
            out = self.run_script("probe_finetune", "--checkpoint", str(run / "late-concat.pt"), "--out", str(probe),
                                  "--set", "schedule=[[224,1,0.8]]", "--set", "sharp=1.0", "--set", "lr=1e-4", *common)
            self.assertEqual(json.loads(out.splitlines()[0])["size"], 224)
            final = torch.load(probe / "finetuned.pt")
            self.assertEqual((final["epochs"], final["width"], final["recipe"]["sharp"], final["recipe"]["batch"]), ("1 + 1 fine-tuning", 0.125, 1.0, 8))
            self.assertIn("100% of the pictures of the 224 px epochs kept at their own pixels", final["recipe"]["text"])
            metrics = json.loads((probe / "model" / "metrics.json").read_text())
            self.assertEqual(metrics["val_images"], 20)
            self.assertTrue(0 <= metrics["top1"] <= 1)

    def test_zoo_branches_from_another_runs_checkpoint(self):
        """--from continues another run's resume state under a changed ending (same epoch count): the
        shared epochs are kept, the new stages train at their own size and crop range."""
        import torch
        from dctvision_train.trainer import stage_at
        recipe = dict(min_scale=0.35, schedule=[[32, 1], [48, 2, 0.9]])
        self.assertEqual([stage_at(recipe, e) for e in range(3)], [(32, 0.35), (48, 0.9), (48, 0.9)])
        common = ["--networks", "late-concat", "--limit-per-class", "2", "--no-export", "--val-every", "0", "--memory-format", "nchw",
                  "--set", "width=0.125", "--set", "batch=8", "--data", str(DATA)]
        with tempfile.TemporaryDirectory() as d:
            trunk, branch = Path(d) / "trunk", Path(d) / "branch"
            self.run_script("zoo", *common, "--set", "schedule=[[32,1],[48,2]]", "--out", str(trunk), "--max-epochs", "1")
            start = trunk / "late-concat.resume.pt"
            r = subprocess.run([sys.executable, "-m", "dctvision_train.zoo", *common, "--set", "schedule=[[32,1],[32,3]]",
                                "--out", str(branch), "--from", str(start)], capture_output=True, text=True, cwd=ROOT / "training")
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("4 epochs, the checkpoint's 3", r.stderr)
            out = self.run_script("zoo", *common, "--set", "schedule=[[32,1],[32,2,0.9]]", "--out", str(branch), "--from", str(start))
            self.assertIn("branching from", out)
            trunk_log = torch.load(start)["log"]
            final = torch.load(branch / "late-concat.pt")
            log = [json.loads(line) for line in (branch / "late-concat.log.jsonl").read_text().splitlines()]
            self.assertEqual(final["epochs"], 3)
            self.assertEqual([e["size"] for e in log], [32, 32, 32])
            self.assertEqual(log[0], trunk_log[0])
            self.assertTrue(all(e["cpu_seconds"] > 0 for e in log[1:]))
            self.assertTrue(all(e["memory_format"] in ("nchw", "channels_last") for e in log[1:]))
            self.assertIn("(crops 90%-100%)", final["recipe"]["text"])

    def test_overflowed_statistics_are_refused_then_repaired(self):
        """A final checkpoint whose input-BN variance overflowed float16 (inf) is refused by the
        evaluation, and recalibrate replaces exactly that entry with a finite estimate."""
        import torch
        from dctvision_train.model import Network
        from dctvision_train.trainer import RECIPE, describe, half_weights
        net = Network("late-concat", 0.125, 10)
        sd = half_weights(net.state_dict())
        sd["layers.l0.running_var"][0] = float("inf")
        kept = sd["layers.l0.running_var"][1:].clone()
        recipe = describe(dict(RECIPE, batch=8, schedule=[[32, 1]]))
        with tempfile.TemporaryDirectory() as d:
            ck = Path(d) / "ck.pt"
            torch.save(dict(network="late-concat", width=0.125, classes=10, state_dict=sd, recipe=recipe), ck)
            r = subprocess.run([sys.executable, "-m", "dctvision_train.evaluate", "--checkpoint", str(ck), "--out", str(Path(d) / "m")],
                               capture_output=True, text=True, cwd=ROOT / "training")
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("non-finite tensors ['layers.l0.running_var']", r.stderr)
            self.assertFalse((Path(d) / "m").exists())
            self.assertIn("layers.l0 channels [0]", self.run_script("recalibrate", str(ck), "--batches", "2", "--data", str(DATA)))
            fixed = torch.load(ck)
            var = fixed["state_dict"]["layers.l0.running_var"]
            self.assertEqual(var.dtype, torch.float32)
            self.assertTrue(torch.isfinite(var).all())
            self.assertGreater(float(var[0]), 1e4)  # Y's DC: the variance of 8x the block means
            self.assertTrue(torch.equal(var[1:], kept))
            self.assertEqual(len(fixed["repairs"]), 1)


if __name__ == "__main__":
    unittest.main()
