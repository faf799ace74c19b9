/**
 * `dctvision dct FILE... --out DIR [--dequantize]`: the jpeg2dct workflow from the
 * command line. Per input NAME.jpg: DIR/NAME.c0.npy, .c1.npy, ... (int16, shape
 * (blocksY, blocksX, 64)) and DIR/NAME.json. A failing file writes nothing.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { WasmDecoder } from '../decode/wasm.js';
import { encodeNpyInt16 } from './npy.js';

export const dctUsage = 'usage: dctvision dct FILE... --out DIR [--dequantize] [--lenient] [--max-pixels N]';

export async function dctCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string', short: 'o' },
      dequantize: { type: 'boolean', default: false },
      lenient: { type: 'boolean', default: false },
      'max-pixels': { type: 'string' },
    },
  });
  if (!values.out || positionals.length === 0) {
    console.error(dctUsage);
    return 2;
  }
  await mkdir(values.out, { recursive: true });
  const decoder = await WasmDecoder.create();
  let failed = 0;
  for (const file of positionals) {
    try {
      const img = decoder.decode(new Uint8Array(await readFile(file)), {
        dequantize: values.dequantize,
        strict: !values.lenient,
        maxPixels: values['max-pixels'] ? Number(values['max-pixels']) : undefined,
      });
      const name = basename(file, extname(file));
      const meta = {
        width: img.width,
        height: img.height,
        components: img.components.map((c) => ({
          h: c.h,
          v: c.v,
          blocksX: c.blocksX,
          blocksY: c.blocksY,
          qtable: [...c.quantTable],
        })),
        progressive: img.progressive,
        arithmetic: img.arithmetic,
        orientation: img.orientation,
        colorSpace: img.colorSpace,
        dequantized: img.dequantized,
      };
      const writes = img.components.map((c, i) =>
        writeFile(join(values.out!, `${name}.c${i}.npy`), encodeNpyInt16(c.coefficients, [c.blocksY, c.blocksX, 64])),
      );
      writes.push(writeFile(join(values.out!, `${name}.json`), JSON.stringify(meta, null, 2) + '\n'));
      await Promise.all(writes);
    } catch (e) {
      failed++;
      const err = e as Error;
      console.error(`${file}: ${err.name}: ${err.message}`);
    }
  }
  return failed ? 1 : 0;
}
