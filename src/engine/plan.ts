/**
 * Reads networks.json — the one description of every network, shared with the
 * PyTorch builder (training/dctvision_train/spec.py). Expands shorthands, applies
 * the width multiplier, checks the graph, and infers every tensor's shape and the
 * parameter / MAC totals. The rules here and in spec.py must stay identical: the
 * tests compare both halves' counts and logits.
 */
import networks from './networks.json' with { type: 'json' };

export class SpecError extends Error {
  override name = 'SpecError';
}

export type Shape = [number, number, number]; // H, W, C

export interface BlockSpec {
  shortcut: 'projection' | 'identity';
  mid: number;
  out: number;
  k: number;
  stride: number;
}

export interface LayerSpec {
  op: 'bn' | 'conv' | 'deconv' | 'maxpool' | 'upsample' | 'concat' | 'stage' | 'blocks' | 'head';
  from: string | string[];
  to?: string;
  out?: number;
  mid?: number;
  k?: number;
  stride?: number;
  pad?: number;
  factor?: number;
  relu?: boolean;
  bn?: boolean;
  scale?: boolean;
  identity?: number;
  blocks?: BlockSpec[];
}

export interface NetworkSpec {
  title: string;
  /** What the network reads: DCT planes y, cb, cr or RGB pixels. */
  input: 'dct' | 'rgb';
  /** The network the others are compared with (the RGB ResNet-50). */
  baseline?: boolean;
  inputs: Record<string, Shape>;
  layers: LayerSpec[];
}

/**
 * The image a network takes, read from its input shapes: a square of `size` luma pixels;
 * for DCT networks, chroma planes of `chromaSize` pixels (size / 2: 4:2:0).
 */
export type InputGeometry = { kind: 'dct'; size: number; chromaSize: number } | { kind: 'rgb'; size: number };

/** Input name → NHWC shape of one image of a network with this input geometry. */
export function inputShapes(g: InputGeometry): Record<string, [number, number, number]> {
  if (g.kind === 'rgb') return { rgb: [g.size, g.size, 3] };
  const y = g.size / 8;
  const c = g.chromaSize / 8;
  return { y: [y, y, 64], cb: [c, c, 64], cr: [c, c, 64] };
}

export interface SpecDocument {
  version: number;
  defaults: { width: number; classes: number };
  networks: Record<string, NetworkSpec>;
}

export const specDocument = networks as unknown as SpecDocument;
export const networkIds = Object.keys(specDocument.networks);

/** Id of the network marked `baseline` (the one speed-ups and accuracies are compared with). */
export function baselineId(doc: SpecDocument = specDocument): string {
  const ids = Object.keys(doc.networks).filter((id) => doc.networks[id].baseline);
  if (ids.length !== 1) throw new SpecError(`exactly one network must be marked "baseline", found ${ids.length}`);
  return ids[0];
}

/** The input geometry a network's `input` kind and input shapes declare (checked). */
export function inputGeometry(name: string, net: NetworkSpec): InputGeometry {
  const sq = (t: string, c: number): number => {
    const s = net.inputs[t];
    if (!s || s[0] !== s[1] || s[2] !== c) throw new SpecError(`${name}: input '${t}' must be a square of ${c} channels`);
    return s[0];
  };
  const names = Object.keys(net.inputs).sort().join(',');
  if (net.input === 'rgb') {
    if (names !== 'rgb') throw new SpecError(`${name}: an "rgb" network reads exactly one input, rgb`);
    return { kind: 'rgb', size: sq('rgb', 3) };
  }
  if (net.input !== 'dct') throw new SpecError(`${name}: "input" must be "dct" or "rgb"`);
  if (names !== 'cb,cr,y') throw new SpecError(`${name}: a "dct" network reads exactly y, cb and cr`);
  const y = sq('y', 64);
  const c = sq('cb', 64);
  if (sq('cr', 64) !== c || y % c) throw new SpecError(`${name}: cb and cr must be equal and divide y`);
  return { kind: 'dct', size: y * 8, chromaSize: c * 8 };
}

export interface ResolvedBlock extends BlockSpec {
  id: string;
  cin: number;
}

export interface Step {
  id: string;
  layer: LayerSpec;
  cin?: number;
  cout?: number;
  channels?: number;
  blocks?: ResolvedBlock[];
  classes?: number;
}

export interface Plan {
  name: string;
  width: number;
  classes: number;
  baseline: boolean;
  input: InputGeometry;
  inputs: Record<string, Shape>;
  steps: Step[];
  params: number;
  macs: number;
}

export const scaleWidth = (c: number, width: number): number => Math.max(8, Math.floor((c * width) / 8 + 0.5) * 8);

/** Padding (before, after) of a k×k conv: symmetric for odd k, 0/1 for even k (TF "same"). */
export const padOf = (k: number): [number, number] => (k % 2 ? [(k - 1) / 2, (k - 1) / 2] : [(k - 2) / 2, k / 2]);

const convOut = (size: number, k: number, stride: number, padTotal: number) => Math.floor((size + padTotal - k) / stride) + 1;

export function expandBlocks(layer: LayerSpec): BlockSpec[] {
  if (layer.op === 'stage') {
    const first: BlockSpec = { shortcut: 'projection', mid: layer.mid!, out: layer.out!, k: layer.k!, stride: layer.stride! };
    const rest: BlockSpec = { shortcut: 'identity', mid: layer.mid!, out: layer.out!, k: layer.k!, stride: 1 };
    return [first, ...Array.from({ length: layer.identity ?? 0 }, () => rest)];
  }
  return layer.blocks ?? [];
}

export function plan(name: string, width = 1, classes = 1000, doc: SpecDocument = specDocument): Plan {
  const net = doc.networks[name];
  if (!net) throw new SpecError(`unknown network '${name}'; known: ${Object.keys(doc.networks).join(', ')}`);
  const input = inputGeometry(name, net);
  const shapes = new Map<string, Shape>(Object.entries(net.inputs).map(([k, v]) => [k, [...v] as Shape]));
  const steps: Step[] = [];
  let params = 0;
  let macs = 0;
  const need = (t: string, where: string): Shape => {
    const s = shapes.get(t);
    if (!s) throw new SpecError(`${name}: ${where} reads tensor '${t}', which no earlier layer produced`);
    return s;
  };
  const conv = (h: number, w: number, cin: number, cout: number, k: number, stride: number, where: string) => {
    const [pb, pa] = padOf(k);
    const oh = convOut(h, k, stride, pb + pa);
    const ow = convOut(w, k, stride, pb + pa);
    if (oh < 1 || ow < 1) throw new SpecError(`${name}: ${where} gives an empty output (${oh}x${ow})`);
    params += k * k * cin * cout;
    macs += k * k * cin * cout * oh * ow;
    return [oh, ow] as const;
  };
  net.layers.forEach((layer, i) => {
    const where = `layer ${i} (${layer.op})`;
    const id = `l${i}`;
    const from = layer.from as string;
    const width_ = (c: number) => (layer.scale === false ? c : scaleWidth(c, width));
    switch (layer.op) {
      case 'bn': {
        const s = need(from, where);
        shapes.set(layer.to!, s);
        steps.push({ id, layer, channels: s[2] });
        break;
      }
      case 'conv': {
        const [h, w, c] = need(from, where);
        const cout = width_(layer.out!);
        const [oh, ow] = conv(h, w, c, cout, layer.k!, layer.stride!, where);
        shapes.set(layer.to!, [oh, ow, cout]);
        steps.push({ id, layer, cin: c, cout });
        break;
      }
      case 'deconv': {
        const [h, w, c] = need(from, where);
        const cout = width_(layer.out!);
        const k = layer.k!;
        const s = layer.stride!;
        params += k * k * c * cout;
        macs += k * k * c * cout * h * w;
        shapes.set(layer.to!, [(h - 1) * s + k, (w - 1) * s + k, cout]);
        steps.push({ id, layer, cin: c, cout });
        break;
      }
      case 'maxpool': {
        const [h, w, c] = need(from, where);
        const p = layer.pad ?? 0;
        shapes.set(layer.to!, [convOut(h, layer.k!, layer.stride!, 2 * p), convOut(w, layer.k!, layer.stride!, 2 * p), c]);
        steps.push({ id, layer });
        break;
      }
      case 'upsample': {
        const [h, w, c] = need(from, where);
        shapes.set(layer.to!, [h * layer.factor!, w * layer.factor!, c]);
        steps.push({ id, layer });
        break;
      }
      case 'concat': {
        const parts = (layer.from as string[]).map((t) => need(t, where));
        if (new Set(parts.map((p) => `${p[0]}x${p[1]}`)).size !== 1) {
          throw new SpecError(`${name}: ${where} joins tensors of different sizes ${parts.map((p) => `${p[0]}x${p[1]}`).join(', ')}`);
        }
        shapes.set(layer.to!, [parts[0][0], parts[0][1], parts.reduce((a, p) => a + p[2], 0)]);
        steps.push({ id, layer });
        break;
      }
      case 'stage':
      case 'blocks': {
        let [h, w, c] = need(from, where);
        const blocks: ResolvedBlock[] = expandBlocks(layer).map((b, j) => {
          const bw = `${where} block ${j}`;
          const mid = scaleWidth(b.mid, width);
          const out = scaleWidth(b.out, width);
          if (b.shortcut !== 'identity' && b.shortcut !== 'projection') throw new SpecError(`${name}: ${bw} has unknown shortcut '${b.shortcut}'`);
          if (b.shortcut === 'identity' && c !== out) {
            throw new SpecError(`${name}: ${bw} is an identity block but its input has ${c} channels and its output ${out}`);
          }
          if (b.shortcut === 'identity' && b.stride !== 1) throw new SpecError(`${name}: ${bw} is an identity block with stride ${b.stride}`);
          const [oh, ow] = conv(h, w, c, mid, 1, b.stride, bw);
          conv(oh, ow, mid, mid, b.k, 1, bw);
          conv(oh, ow, mid, out, 1, 1, bw);
          if (b.shortcut === 'projection') conv(h, w, c, out, 1, b.stride, bw);
          const resolved = { ...b, id: `${id}.b${j}`, cin: c, mid, out };
          [h, w, c] = [oh, ow, out];
          return resolved;
        });
        shapes.set(layer.to!, [h, w, c]);
        steps.push({ id, layer, blocks });
        break;
      }
      case 'head': {
        const [, , c] = need(from, where);
        params += c * classes + classes;
        macs += c * classes;
        steps.push({ id: 'head', layer, cin: c, classes });
        break;
      }
      default:
        throw new SpecError(`${name}: ${where}: unknown op '${(layer as LayerSpec).op}'`);
    }
  });
  if (steps.at(-1)?.layer.op !== 'head') throw new SpecError(`${name}: the last layer must be the head`);
  return { name, width, classes, baseline: !!net.baseline, input, inputs: net.inputs, steps, params, macs };
}

/** Every weight tensor the network needs, by name, with its shape (tfjs layouts, BN folded). */
export function weightShapes(p: Plan): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const convW = (id: string, k: number, cin: number, cout: number) => {
    out.set(`${id}.w`, [k, k, cin, cout]);
    out.set(`${id}.b`, [cout]);
  };
  for (const s of p.steps) {
    const l = s.layer;
    if (l.op === 'bn') {
      out.set(`${s.id}.scale`, [s.channels!]);
      out.set(`${s.id}.shift`, [s.channels!]);
    } else if (l.op === 'conv') convW(s.id, l.k!, s.cin!, s.cout!);
    else if (l.op === 'deconv') out.set(`${s.id}.w`, [l.k!, l.k!, s.cout!, s.cin!]);
    else if (l.op === 'head') {
      out.set('head.w', [s.cin!, s.classes!]);
      out.set('head.b', [s.classes!]);
    } else if (s.blocks) {
      for (const b of s.blocks) {
        convW(`${b.id}.a`, 1, b.cin, b.mid);
        convW(`${b.id}.b`, b.k, b.mid, b.mid);
        convW(`${b.id}.c`, 1, b.mid, b.out);
        if (b.shortcut === 'projection') convW(`${b.id}.proj`, 1, b.cin, b.out);
      }
    }
  }
  return out;
}
