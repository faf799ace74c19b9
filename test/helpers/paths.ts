import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const shared = `${root}../shared`;
export const imagenetteVal = `${shared}/data/imagenette-224/val`;
export const jpeg2dctData = `${shared}/data/jpeg2dct-testdata`;
