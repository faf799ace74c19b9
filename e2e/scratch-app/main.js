// What a newcomer writes after `npm install dctvision` (the README's three lines).
import { load } from 'dctvision';

const params = new URLSearchParams(location.search);
try {
  const model = await load('late-concat', { backend: params.get('backend') ?? undefined });
  const { predictions } = await model.classify('./img/cat.jpg');
  const result = { backend: model.backend, threads: model.threads, skipped: model.skippedBackends, top: predictions[0] };
  if (params.has('workers')) {
    // a long list on the WASM backend, spread over inference workers
    const batch = await model.classifyBatch(Array(4).fill('./img/cat.jpg'), { batchSize: 1, workers: Number(params.get('workers')) });
    Object.assign(result, { tops: batch.map((r) => r.predictions[0]), workers: (await model.workerMemory()).length });
  }
  document.body.dataset.result = JSON.stringify(result);
} catch (e) {
  document.body.dataset.result = JSON.stringify({ error: `${e.name}: ${e.message}` });
}
