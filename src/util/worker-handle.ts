/**
 * What a worker pool needs of a worker, the same over a page's Web Worker and a Node
 * worker_thread. The pools create the workers themselves (a page's `new Worker(new URL(…,
 * import.meta.url))` must be written out where bundlers can see it) and wrap them here.
 */
export interface WorkerHandle<Request> {
  post(msg: Request, transfer?: Transferable[]): void;
  terminate(): void;
  /** Node: keep the process alive only while the worker has work. */
  busy(yes: boolean): void;
}

export interface WorkerEvents<Response> {
  message(m: Response): void;
  /** The worker died or could not start (its script failed, a message could not be read, it exited). */
  failure(reason: string): void;
}

export function webWorkerHandle<Request, Response>(w: Worker, events: WorkerEvents<Response>): WorkerHandle<Request> {
  w.addEventListener('message', (e: MessageEvent<Response>) => events.message(e.data));
  w.addEventListener('error', (e) => {
    e.preventDefault();
    events.failure(e.message || 'worker error');
  });
  w.addEventListener('messageerror', () => events.failure('message could not be deserialized'));
  return { post: (m, t = []) => w.postMessage(m, t), terminate: () => w.terminate(), busy: () => {} };
}

export function nodeWorkerHandle<Request, Response>(w: import('node:worker_threads').Worker, events: WorkerEvents<Response>): WorkerHandle<Request> {
  w.on('message', (m: Response) => events.message(m));
  w.on('error', (e: Error) => events.failure(e.message));
  w.on('exit', (code: number) => events.failure(`worker exited with code ${code}`));
  return {
    post: (m, t = []) => w.postMessage(m, t as never[]),
    terminate: () => void w.terminate(),
    busy: (yes) => (yes ? w.ref() : w.unref()),
  };
}
