// What a newcomer writes after `npm install dctvision` (the README's three lines).
import { load } from 'dctvision';

const params = new URLSearchParams(location.search);
try {
  const model = await load('late-concat', { backend: params.get('backend') ?? undefined });
  const { predictions } = await model.classify('./img/cat.jpg');
  document.body.dataset.result = JSON.stringify({ backend: model.backend, threads: model.threads, skipped: model.skippedBackends, top: predictions[0] });
} catch (e) {
  document.body.dataset.result = JSON.stringify({ error: `${e.name}: ${e.message}` });
}
