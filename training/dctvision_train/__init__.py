"""dctvision training: the PyTorch half of the networks described in src/engine/networks.json."""
import os

# oneDNN reads this once, when torch loads, and uses AMX kernels only when asked (harmless on CPUs
# without them). The package is imported before any of its modules, so before their `import torch`.
os.environ.setdefault("ONEDNN_MAX_CPU_ISA", "AVX512_CORE_AMX")
