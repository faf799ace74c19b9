import type { Timings } from '../../src/index.js';
export interface MeasureSet { name: string; images: Uint8Array[]; batch?: boolean }
export interface MeasureConfig {
  ids: string[];
  width: number;
  classes: number;
  backend?: 'webgpu' | 'webgl' | 'wasm' | 'cpu';
  rounds: number;
  reps1: number;
  reps16: number;
  batch: number;
  sets: MeasureSet[];
}
export interface MeasureResult {
  backend: string;
  /** WASM backend: threads tfjs computes with. */
  threads: number | null;
  first: Record<string, Record<string, Timings>>;
  results: { id: string; sets: Record<string, { b1: Timings; file0: Timings; files: Timings[]; b16: Timings | null; samples: { b1: number; b16: number } }> }[];
}
export function median(xs: number[]): number;
export function measure(lib: typeof import('../../src/index.js'), cfg: MeasureConfig): Promise<MeasureResult>;
