/** Entry point of the `dctvision` command (bin/dctvision.js). */
import { classifyCommand, classifyUsage } from './classify.js';
import { dctCommand, dctUsage } from './dct.js';
import { variantsCommand, variantsUsage } from './variants.js';

const commands: Record<string, { run: (argv: string[]) => Promise<number>; usage: string }> = {
  classify: { run: classifyCommand, usage: classifyUsage },
  dct: { run: dctCommand, usage: dctUsage },
  variants: { run: variantsCommand, usage: variantsUsage },
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    console.error(['dctvision <command>', ...Object.values(commands).map((c) => `  ${c.usage}`)].join('\n'));
    return name === '--help' || name === '-h' ? 0 : 2;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    console.error(`dctvision ${name}: ${(e as Error).message}`);
    return 2;
  }
}
