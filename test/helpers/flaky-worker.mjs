// The decoder worker, made to fail at start-up on demand (worker_threads copy process.env
// when a worker is created, so a test flips the mode between spawns):
//   DCTV_FLAKY=throw       the script throws before serving (an 'error' event, then exit)
//   DCTV_FLAKY=init-error  it answers the pool's init message with an init-error
//   DCTV_FLAKY_ONCE=<file> throws once, if that file exists (and removes it)
import { existsSync, unlinkSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';

const once = process.env.DCTV_FLAKY_ONCE;
if (process.env.DCTV_FLAKY === 'throw' || (once && existsSync(once) && (unlinkSync(once), true))) {
  throw new Error('injected start failure');
}
if (process.env.DCTV_FLAKY === 'init-error') {
  parentPort.once('message', () => parentPort.postMessage({ type: 'init-error', error: { name: 'Error', message: 'injected init failure' } }));
} else {
  await import('../../dist/lib/decode/worker.js');
}
