import type { Fetcher } from '../../src/index.js';
export function randomModelFetcher(lib: typeof import('../../src/index.js'), id: string, width: number, classes: number, seed?: number): Promise<Fetcher>;
