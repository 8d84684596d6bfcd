#!/usr/bin/env bash
# ESM-2 650M architecture, bfloat16, on one CUDA GPU over the human-proteome-shaped workload
# (11.4 M residues; lengths from bench/human_lengths.txt.gz when ../shared is absent).
# Prepared for the lent GPU machine, whose python3 has torch and transformers:
#   bash bench/gpu.sh            (from the repository root; ~1 min of setup, then the timing)
set -euo pipefail
cd "$(dirname "$0")/.."
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
PYTHONPATH=src python3 - <<'PY'
import torch, transformers
print("torch", torch.__version__, "transformers", transformers.__version__, "cuda", torch.cuda.is_available())
PY
PYTHONPATH=src python3 bench/esm2_speed.py --gpu --batch-tokens "${BATCH_TOKENS:-65536}" --workdir "${TMPDIR:-/tmp}/nesscan-gpu"
