/**
 * The Chromium ends of bench/interop-pairs.ts: the hub's own /roomwire.js in one page on the hub's origin
 * (Debian's Chromium through playwright-core, test/helpers/browser.ts), a fresh RoomClient per end. The
 * page reports through an exposed function, as werift-end-process.ts does over IPC, with the same commands.
 */
import type { Browser } from 'playwright-core';
import { openPage } from '../test/helpers/browser.ts';
import { DrivenEnd, type EndReport, type StackHost } from './interop-ends.ts';

// A string, not a function: tsx would rewrite a function's import() (and wrap it in its helpers) for Node.
const HARNESS = `(async () => {
  const { RoomClient } = await import('/roomwire.js');
  let client, room, count = 0, expecting = Infinity;
  const reportIfReached = () => {
    if (count < expecting) return;
    window.benchReport({ event: 'received', total: expecting });
    expecting = Infinity;
  };
  window.benchEnd = {
    async join(url, roomName, name) {
      count = 0;
      expecting = Infinity;
      client = new RoomClient({ url });
      client.on('path-change', (e) => window.benchReport({ event: 'path-change', peerId: e.peerId, path: e.path }));
      await client.connect();
      room = await client.join(roomName, { name }, (r) => r.on('message', () => { count++; reportIfReached(); }));
      return client.peerId;
    },
    expect(total) { expecting = total; reportIfReached(); },
    send(size, n) { const text = 'x'.repeat(size); for (let i = 0; i < n; i++) room.send(text); },
    leave() { return client.close(); },
  };
})()`;

export async function chromiumHost(browser: Browser, httpUrl: string, url: string): Promise<StackHost & { errors: string[] }> {
  const page = await openPage(browser, `${httpUrl}/`);
  let current: DrivenEnd | undefined;
  await page.exposeFunction('benchReport', (r: EndReport) => current?.report(r));
  await page.evaluate(HARNESS);
  const failed = (err: Error) => current?.report({ event: 'failed', message: err.message });
  return {
    errors: page.errors,
    async join(room) {
      const end = (current = new DrivenEnd('chromium', {
        // Not awaited: the burst is timed by its receiver; evaluations run in the order they were asked.
        send: (size, count) => void page.evaluate(`benchEnd.send(${size}, ${count})`).catch(failed),
        expect: (total) => void page.evaluate(`benchEnd.expect(${total})`).catch(failed),
        leave: async () => void (await page.evaluate('benchEnd.leave()')),
      }));
      end.peerId = String(await page.evaluate(`benchEnd.join(${JSON.stringify(url)}, ${JSON.stringify(room)}, 'chromium')`));
      return end;
    },
    close: () => page.context().close(),
  };
}
