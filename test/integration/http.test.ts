import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHub, type TestHub } from '../helpers/hub.ts';
import { TestClient } from '../helpers/test-client.ts';

let t: TestHub;
beforeAll(async () => { t = await startHub(); });
afterAll(async () => { await t.hub.close(); });

describe('http', () => {
  it('serves the demo page at / and /healthz as JSON', async () => {
    const page = await fetch(`${t.httpUrl}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('roomwire');

    const health = await fetch(`${t.httpUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', uptimeSeconds: expect.any(Number), connections: 0, rooms: 0, peers: 0 });
  });

  it('serves nothing outside public/ and refuses other methods', async () => {
    const { request } = await import('node:http');
    const raw = (path: string) => new Promise<number>((resolve, reject) => {
      // fetch normalizes ../ away; a raw request sends the path as written
      request({ host: '127.0.0.1', port: t.port, path }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject).end();
    });
    expect(await raw('/../package.json')).toBe(404);
    expect(await raw('/%2e%2e/package.json')).toBe(404);
    expect(await raw('/..%2f..%2fetc/passwd')).toBe(404);
    expect(await raw('/%E0%A4%A')).toBe(400);
    expect(await raw('/nope.html')).toBe(404);
    expect((await fetch(`${t.httpUrl}/`, { method: 'POST' })).status).toBe(405);
  });

  it('counts live connections in /healthz', async () => {
    const c = await TestClient.connect(t.url);
    expect((await (await fetch(`${t.httpUrl}/healthz`)).json()).connections).toBe(1);
    await c.close();
  });
});
