// One description, two builders: counts agree with PyTorch and with the paper's table;
// malformed specs and bad weights fail with errors that name the problem.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SpecError, baselineId, plan, specDocument, type SpecDocument } from '../src/engine/plan.js';
import { WeightsError, loadWeights } from '../src/engine/weights.js';
import { root } from './helpers/paths.js';

// ../shared/docs/architectures.md, "Size and compute at w = 1.0".
const paperTable: Record<string, [number, number]> = {
  'rgb-resnet50': [25.5e6, 3.83e9],
  upsampling: [25.3e6, 3.04e9],
  'upsampling-rfa': [28.3e6, 5.4e9],
  'deconvolution-rfa': [28.3e6, 5.4e9],
  downsampling: [28.6e6, 3.0e9],
  'late-concat': [25.1e6, 2.96e9],
  'late-concat-rfa': [28.0e6, 5.25e9],
  'late-concat-rfa-thinner': [24.7e6, 2.89e9],
};

const variants = (args: string[]) =>
  JSON.parse(execFileSync('node', [join(root, 'bin/dctvision.js'), 'variants', ...args, '--json'], { encoding: 'utf8' })) as {
    name: string;
    params: number;
    macs: number;
  }[];

const pytorchCounts = (width: number, classes: number) =>
  JSON.parse(
    execFileSync(
      '/usr/bin/python3',
      [
        '-c',
        `import json, sys
from dctvision_train.model import Network, count
from dctvision_train.spec import load_specs
out = []
for n in load_specs()["networks"]:
    m = Network(n, ${width}, ${classes})
    out.append({"name": n, "params": count(m), "plan_params": m.plan["params"], "macs": m.plan["macs"]})
print(json.dumps(out))`,
      ],
      { cwd: join(root, 'training'), encoding: 'utf8' },
    ),
  ) as { name: string; params: number; plan_params: number; macs: number }[];

describe('parameter and MAC counts', () => {
  it('width 1.0, 1000 classes: TypeScript = PyTorch (built modules), within 3% of the paper table', () => {
    const ts = variants(['--width', '1', '--classes', '1000']);
    const py = pytorchCounts(1, 1000);
    expect(ts.map((r) => r.name)).toEqual(Object.keys(paperTable));
    for (const r of ts) {
      const p = py.find((x) => x.name === r.name)!;
      expect(r.params, r.name).toBe(p.params);
      expect(r.params, r.name).toBe(p.plan_params);
      expect(r.macs, r.name).toBe(p.macs);
      const [params, macs] = paperTable[r.name];
      expect(Math.abs(r.params / params - 1), `${r.name} params`).toBeLessThan(0.03);
      expect(Math.abs(r.macs / macs - 1), `${r.name} MACs`).toBeLessThan(0.03);
    }
  });

  it('width 0.25 (shipped size): every width a multiple of 8, TypeScript = PyTorch', () => {
    const ts = variants(['--width', '0.25', '--classes', '10']);
    const py = pytorchCounts(0.25, 10);
    ts.forEach((r, i) => expect([r.params, r.macs]).toEqual([py[i].params, py[i].macs]));
    for (const id of Object.keys(paperTable)) {
      for (const s of plan(id, 0.25, 10).steps) {
        for (const c of [s.cout, ...(s.blocks ?? []).flatMap((b) => [b.mid, b.out])]) if (c !== undefined) expect(c % 8).toBe(0);
      }
    }
  });
});

describe('what each network reads comes from the spec, the same in both builders', () => {
  const pyInputs = () =>
    JSON.parse(
      execFileSync(
        '/usr/bin/python3',
        ['-c', 'import json\nfrom dctvision_train.spec import baseline_id, load_specs, plan\nd = load_specs()\nprint(json.dumps({"baseline": baseline_id(d), "inputs": {n: plan(d, n, 0.25, 10)["input"] for n in d["networks"]}}))'],
        { cwd: join(root, 'training'), encoding: 'utf8' },
      ),
    ) as { baseline: string; inputs: Record<string, { kind: string; size: number; chroma_size?: number }> };
  it('input kind and geometry, and the baseline, agree between TypeScript and PyTorch', () => {
    const py = pyInputs();
    expect(baselineId()).toBe('rgb-resnet50');
    expect(py.baseline).toBe(baselineId());
    for (const id of Object.keys(specDocument.networks)) {
      const g = plan(id, 0.25, 10).input;
      expect({ kind: g.kind, size: g.size, chroma_size: g.kind === 'dct' ? g.chromaSize : undefined }).toEqual({ chroma_size: undefined, ...py.inputs[id] });
      expect(g).toEqual(id === 'rgb-resnet50' ? { kind: 'rgb', size: 224 } : { kind: 'dct', size: 224, chromaSize: 112 });
    }
  });
  it('a spec whose input kind does not match its inputs, or with two baselines, is refused', () => {
    const d = structuredClone(specDocument);
    d.networks.upsampling.input = 'rgb';
    expect(() => plan('upsampling', 1, 10, d)).toThrow(/an "rgb" network reads exactly one input, rgb/);
    d.networks.upsampling.input = 'dct';
    d.networks.upsampling.inputs.cr = [28, 28, 64];
    expect(() => plan('upsampling', 1, 10, d)).toThrow(/cb and cr must be equal/);
    const e = structuredClone(specDocument);
    e.networks.upsampling.baseline = true;
    expect(() => baselineId(e)).toThrow(/exactly one network must be marked "baseline", found 2/);
  });
});

describe('the parity fixtures are not stale', () => {
  it("each fixture's embedded spec row and input contract equal networks.json (rerun make_parity_fixtures.py otherwise)", () => {
    for (const id of Object.keys(specDocument.networks)) {
      const j = JSON.parse(readFileSync(join(root, 'test/fixtures/parity', id, 'model.json'), 'utf8'));
      expect(j.spec, id).toEqual(specDocument.networks[id]);
      expect(j.input.kind, id).toBe(specDocument.networks[id].input);
      expect(j.input.shapes, id).toEqual(specDocument.networks[id].inputs);
    }
  });
});

describe('malformed specs fail clearly', () => {
  const mutate = (edit: (d: SpecDocument) => void): SpecDocument => {
    const d = structuredClone(specDocument);
    edit(d);
    return d;
  };
  it('unknown network', () => expect(() => plan('resnet-9000')).toThrow(/unknown network 'resnet-9000'/));
  it('unknown op', () => {
    const d = mutate((d) => ((d.networks.upsampling.layers[0] as { op: string }).op = 'warp'));
    expect(() => plan('upsampling', 1, 10, d)).toThrow(SpecError);
    expect(() => plan('upsampling', 1, 10, d)).toThrow(/layer 0 \(warp\): unknown op 'warp'/);
  });
  it('a tensor no layer produced', () => {
    const d = mutate((d) => (d.networks['late-concat'].layers[3].from = ['cb', 'chroma']));
    expect(() => plan('late-concat', 1, 10, d)).toThrow(/reads tensor 'chroma'/);
  });
  it('an identity block whose channels do not match', () => {
    const d = mutate((d) => (d.networks['late-concat'].layers[2].blocks![0].shortcut = 'identity'));
    expect(() => plan('late-concat', 1, 10, d)).toThrow(/layer 2 \(blocks\) block 0 is an identity block with stride 2/);
    const e = mutate((d) => (d.networks['late-concat'].layers[7].blocks![0].out = 2048));
    expect(() => plan('late-concat', 1, 10, e)).toThrow(/block 0 is an identity block but its input has 1024 channels and its output 2048/);
  });
  it('concat of different sizes, missing head', () => {
    const d = mutate((d) => (d.networks.upsampling.layers[2].from = ['y', 'cb', 'cr2']));
    expect(() => plan('upsampling', 1, 10, d)).toThrow(/joins tensors of different sizes 28x28, 14x14, 28x28/);
    const e = mutate((d) => d.networks.upsampling.layers.pop());
    expect(() => plan('upsampling', 1, 10, e)).toThrow(/last layer must be the head/);
  });
  it('the PyTorch builder refuses the same spec with the same message', () => {
    const d = mutate((d) => (d.networks['late-concat'].layers[7].blocks![0].out = 2048));
    const dir = mkdtempSync(join(tmpdir(), 'spec-'));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(d));
    const r = spawnSync(
      '/usr/bin/python3',
      ['-c', `from dctvision_train.spec import load_specs, plan\nplan(load_specs(${JSON.stringify(join(dir, 'bad.json'))}), "late-concat", 1.0, 10)`],
      { cwd: join(root, 'training'), encoding: 'utf8' },
    );
    rmSync(dir, { recursive: true });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/SpecError: late-concat: layer 7 \(blocks\) block 0 is an identity block but its input has 1024 channels and its output 2048/);
  });
});

describe('weights that do not fit are refused, naming the tensor or shard', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'weights-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const copy = (name: string) => {
    const dir = join(scratch, name);
    cpSync(join(root, 'test/fixtures/parity/late-concat'), dir, { recursive: true });
    return dir;
  };
  const editJson = (dir: string, edit: (j: { weightsManifest: { weights: { name: string; shape: number[] }[] }[] }) => void) => {
    const j = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    edit(j);
    writeFileSync(join(dir, 'model.json'), JSON.stringify(j));
  };
  it('loads the untouched copy', async () => {
    const m = await loadWeights(pathToFileURL(copy('ok') + '/'));
    expect(Object.keys(m.weights).length).toBeGreaterThan(50);
  });
  it('a folder describes itself: a network the library does not ship loads from its embedded spec', async () => {
    const dir = copy('custom');
    const j = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...j, network: 'my-late-concat' }));
    const m = await loadWeights(pathToFileURL(dir + '/'));
    expect(m.plan.name).toBe('my-late-concat');
    expect(m.plan.params).toBe(plan('late-concat', j.width, j.classes).params);
    delete j.spec;
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...j, network: 'my-late-concat' }));
    await expect(loadWeights(pathToFileURL(dir + '/'))).rejects.toThrow(/unknown network 'my-late-concat'/);
  });
  it('a shard failing its sha256', async () => {
    const dir = copy('sha');
    const shard = join(dir, 'group1-shard1of1.bin');
    const b = readFileSync(shard);
    b[100] ^= 1;
    writeFileSync(shard, b);
    await expect(loadWeights(pathToFileURL(dir + '/'))).rejects.toThrow(/shard 'group1-shard1of1.bin' of file:.*\/model\.json fails its sha256 check/);
    await expect(loadWeights(pathToFileURL(dir + '/'))).rejects.toBeInstanceOf(WeightsError);
  });
  it('a missing tensor', async () => {
    const dir = copy('missing');
    editJson(dir, (j) => (j.weightsManifest[0].weights = j.weightsManifest[0].weights.filter((w) => w.name !== 'l8.b2.b.w')));
    await expect(loadWeights(pathToFileURL(dir + '/'))).rejects.toThrow(/missing tensor 'l8.b2.b.w'/);
  });
  it('a tensor with the wrong shape', async () => {
    const dir = copy('shape');
    editJson(dir, (j) => (j.weightsManifest[0].weights.find((w) => w.name === 'head.w')!.shape = [256, 11]));
    await expect(loadWeights(pathToFileURL(dir + '/'))).rejects.toThrow(/tensor 'head.w' has shape \[256,11\] but late-concat needs \[256,10\]/);
  });
});
