import { it, expect } from 'vitest';
import { startTestBroker } from '../helpers/broker';
it('smoke', async () => {
  const t0 = Date.now();
  const tb = await startTestBroker();
  console.log('start ms', Date.now() - t0);
  const r = await tb.call('POST', '/requests', { as: 'alice', json: { target: 'sandbox-readonly', services: ['iam', 'ec2'], duration: '1h', reason: 'debugging INC-4411 now', ticket: 'INC-4411' } });
  console.log(r.status, JSON.stringify(r.body, null, 1));
  const g = await tb.waitForRequest(r.body.request.id, (x) => x.history.some((h: any) => h.type === 'notified'));
  console.log(JSON.stringify(g.history));
  const bad = await tb.call('POST', '/requests', { as: 'alice', body: '{bad' , headers: {'content-type': 'application/json'}});
  console.log(bad.status, bad.text);
  const x = await tb.call('GET', '/requests?scope=foo&x=1', { as: 'alice' });
  console.log(x.status, x.text);
  await tb.broker.close();
});
