/** `dctvision variants [--width W] [--classes N] [--json]`: parameter and MAC counts from the engine's plan. */
import { parseArgs } from 'node:util';
import { networkIds, plan, specDocument } from '../engine/plan.js';

export const variantsUsage = 'usage: dctvision variants [--width W] [--classes N] [--json]';

export async function variantsCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      width: { type: 'string', default: '1' },
      classes: { type: 'string', default: '1000' },
      json: { type: 'boolean', default: false },
    },
  });
  const width = Number(values.width);
  const classes = Number(values.classes);
  if (!(width > 0) || !Number.isInteger(classes) || classes < 1) {
    console.error(variantsUsage);
    return 2;
  }
  const rows = networkIds.map((name) => {
    const p = plan(name, width, classes);
    return { name, title: specDocument.networks[name].title, params: p.params, macs: p.macs };
  });
  if (values.json) console.log(JSON.stringify(rows.map(({ name, params, macs }) => ({ name, params, macs }))));
  else {
    console.log(`width ${width}, ${classes} classes\n| network | params | GMACs |\n|---|---:|---:|`);
    for (const r of rows) console.log(`| ${r.title} | ${(r.params / 1e6).toFixed(2)} M | ${(r.macs / 1e9).toFixed(3)} |`);
  }
  return 0;
}
