/** A planned network as a function of tfjs ops (NHWC), with BN folded into the convs. */
import * as tf from '@tensorflow/tfjs-core';
import { SpecError, padOf, type Plan } from './plan.js';

export type WeightMap = Record<string, tf.Tensor>;
type T4 = tf.Tensor4D;

function conv(x: T4, w: WeightMap, id: string, k: number, stride: number, relu: boolean): T4 {
  const [pb, pa] = padOf(k);
  const pad: 'valid' | [[number, number], [number, number], [number, number], [number, number]] =
    pb || pa ? [[0, 0], [pb, pa], [pb, pa], [0, 0]] : 'valid';
  return tf.fused.conv2d({
    x,
    filter: w[`${id}.w`] as tf.Tensor4D,
    strides: stride,
    pad,
    bias: w[`${id}.b`],
    activation: relu ? 'relu' : 'linear',
  });
}

/**
 * Adds the constant tensors forward() reads besides the trained ones, made once at load instead
 * of on every call: each input normalization's mean 0 / variance 1 (`<id>.zeros`, `<id>.ones`),
 * and for a non-overlapping transposed conv (k = stride) its 1×1-conv filter (`<id>.pointwise`):
 * channel (i·k + j)·cout + co of it is filter[i, j, co, :].
 */
export function prepareWeights(p: Plan, w: WeightMap): WeightMap {
  const extra = tf.tidy(() => {
    const out: WeightMap = {};
    for (const s of p.steps) {
      const l = s.layer;
      if (l.op === 'bn') {
        out[`${s.id}.zeros`] = tf.zeros([s.channels!]);
        out[`${s.id}.ones`] = tf.ones([s.channels!]);
      } else if (l.op === 'deconv' && l.k === l.stride) {
        const k = l.k!;
        out[`${s.id}.pointwise`] = tf.reshape(tf.transpose(w[`${s.id}.w`], [3, 0, 1, 2]), [1, 1, s.cin!, k * k * s.cout!]);
      }
    }
    return out;
  });
  return { ...w, ...extra };
}

/** Runs the network on a batch; `inputs` are NHWC tensors named as the spec's inputs. Returns logits [N, classes]. */
export function forward(p: Plan, w: WeightMap, inputs: Record<string, tf.Tensor4D>): tf.Tensor2D {
  return tf.tidy(() => {
    const t = new Map<string, T4>(Object.entries(inputs));
    const get = (name: string) => t.get(name)!;
    for (const s of p.steps) {
      const l = s.layer;
      const x = typeof l.from === 'string' ? get(l.from) : undefined;
      switch (l.op) {
        case 'bn':
          // One kernel (x · scale + shift as a batch norm of mean 0, variance 1): tfjs-wasm's
          // broadcasting mul + add took 3.1 ms on the RGB input (224²×3), this 0.6 ms.
          t.set(l.to!, tf.batchNorm(x!, w[`${s.id}.zeros`] as tf.Tensor1D, w[`${s.id}.ones`] as tf.Tensor1D, w[`${s.id}.shift`], w[`${s.id}.scale`], 0) as T4);
          break;
        case 'conv':
          t.set(l.to!, conv(x!, w, s.id, l.k!, l.stride!, l.relu ?? true));
          break;
        case 'deconv': {
          const [n, h, wd] = x!.shape;
          const k = l.k!;
          const filter = w[`${s.id}.w`] as tf.Tensor4D; // [k, k, cout, cin]
          if (k === l.stride) {
            // Non-overlapping (k = stride): each input pixel writes its own k×k block, i.e. a
            // 1×1 conv to k·k·cout channels, then depth-to-space. tfjs-wasm's transposed conv
            // is a plain loop (5.5 ms of Deconvolution-RFA's 40 in bench:profile); this runs on
            // XNNPACK (its 1×1 filter made once, by prepareWeights).
            const pointwise = w[`${s.id}.pointwise`] as tf.Tensor4D;
            t.set(l.to!, tf.depthToSpace(tf.fused.conv2d({ x: x!, filter: pointwise, strides: 1, pad: 'valid' }), k, 'NHWC'));
          } else {
            const outShape: [number, number, number, number] = [n, (h - 1) * l.stride! + k, (wd - 1) * l.stride! + k, s.cout!];
            t.set(l.to!, tf.conv2dTranspose(x!, filter, outShape, l.stride!, 'valid'));
          }
          break;
        }
        case 'maxpool':
          t.set(l.to!, tf.maxPool(x!, l.k!, l.stride!, l.pad ?? 0));
          break;
        case 'upsample':
          t.set(l.to!, tf.image.resizeNearestNeighbor(x!, [x!.shape[1] * l.factor!, x!.shape[2] * l.factor!]));
          break;
        case 'concat':
          t.set(l.to!, tf.concat((l.from as string[]).map(get), 3));
          break;
        case 'stage':
        case 'blocks': {
          let y = x!;
          for (const b of s.blocks!) {
            const main = conv(conv(conv(y, w, `${b.id}.a`, 1, b.stride, true), w, `${b.id}.b`, b.k, 1, true), w, `${b.id}.c`, 1, 1, false);
            const short = b.shortcut === 'projection' ? conv(y, w, `${b.id}.proj`, 1, b.stride, false) : y;
            y = tf.relu(tf.add(main, short)) as T4;
          }
          t.set(l.to!, y);
          break;
        }
        case 'head':
          return tf.add(tf.matMul(tf.mean(x!, [1, 2]) as tf.Tensor2D, w['head.w'] as tf.Tensor2D), w['head.b']) as tf.Tensor2D;
      }
    }
    throw new SpecError(`${p.name}: plan has no head`);
  });
}
