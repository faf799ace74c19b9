"""The CPU settings every training entry point wants (zoo, probe_finetune, recalibrate)."""
import os

import torch


def use_all_cores():
    """torch starts with one thread on this 2-core machine, not one per core; the training issue
    measured 2 threads 1.6x faster than 1."""
    torch.set_num_threads(os.cpu_count())
