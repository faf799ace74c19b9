"""dctvision training: the PyTorch half of the networks described in src/engine/networks.json."""
