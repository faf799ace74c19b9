/**
 * `--version N` of the scripts that render docs/MODELS.md's tables: an earlier, replaced zoo kept
 * for comparison, its checkpoints, epoch logs and metrics.json files under training/checkpoints/vN/.
 */
import { join } from 'node:path';

/** N from the arguments, or undefined without --version. */
export function zooVersion(args) {
  const i = args.indexOf('--version');
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (!/^\d+$/.test(v ?? '')) throw new Error(`--version takes a number, not ${v}`);
  return v;
}

/** Where that zoo's epoch logs are; its metrics.json files are in models/<id>/ under it. */
export const zooFolder = (root, version) => join(root, 'training/checkpoints', `v${version}`);
