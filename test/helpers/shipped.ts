import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './paths.js';

/** The parts of a shipped model's metrics.json (written by dctvision_train.evaluate) the tests read. */
export interface ShippedMetrics {
  network: string;
  classes: number;
  params: number;
  macs: number;
  /** The val folder's class folders, in label order. */
  class_ids: string[];
  top1: number;
  val_images: number;
  ts_top1_agreement: number;
  ts_agreement_images: number;
  variants?: {
    set?: number;
    files: number;
    top1_cli: number;
    top1_pytorch: number;
    top1_pytorch_exact_prep: number;
    top1_sources: number;
    cli_pytorch_agreement: number;
    failed: number;
  };
  /** The first two val files of each class (relative to val/), their label and PyTorch's top-1. */
  ci_sample: { file: string; label: number; top1: number }[];
  /** Demo sample file → the class PyTorch gives it. */
  demo_samples: Record<string, string>;
}

/** id → metrics of every model folder in models/ that has been evaluated. */
export function shippedModels(): Record<string, ShippedMetrics> {
  const dir = join(root, 'models');
  return Object.fromEntries(
    readdirSync(dir)
      .filter((id) => existsSync(join(dir, id, 'metrics.json')))
      .map((id) => [id, JSON.parse(readFileSync(join(dir, id, 'metrics.json'), 'utf8')) as ShippedMetrics]),
  );
}
