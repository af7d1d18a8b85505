/**
 * Server peer fan-out: a room client joined as role `server` (10 members > meshLimit 8: a star room) broadcasts 100-200 B chat messages to 10
 * werift members (in another process), as fast as its links take them; aggregate delivered messages/s.
 * Run with werift, then node-datachannel, as the server side's RTCPeerConnection.
 */
import { pino } from 'pino';
import { createNodeClient } from '../src/client/node.ts';
import { createHub } from '../src/hub/create-hub.ts';
import { nodeDatachannelRtc } from '../test/helpers/node-datachannel-rtc.ts';
import { forkCountingChild, measureDelivery } from './counting-child.ts';

const SECRET = 'bench-server-peer-secret-xxxxxxxx';

export interface FanoutResult {
  stack: 'werift' | 'node-datachannel';
  members: number;
  messagesPerSecond: number;
  megabytesPerSecond: number;
}

export async function benchServerFanout(stack: FanoutResult['stack'], members: number, seconds: number): Promise<FanoutResult> {
  const hub = createHub({ host: '127.0.0.1', port: 0, serverPeerSecret: SECRET, messagesPerSecond: 1e6, messageBurst: 1e6, bytesPerSecond: 1e12, byteBurst: 1e12 }, { logger: pino({ level: 'silent' }) });
  const url = `ws://127.0.0.1:${(await hub.listen()).port}/ws`;
  const room = `fanout-${stack}`;
  const server = createNodeClient({ url, ...(stack === 'node-datachannel' ? { rtc: nodeDatachannelRtc } : {}) });
  await server.connect();
  const r = await server.join(room, { name: 'server', token: SECRET, role: 'server' });
  const receivers = forkCountingChild(new URL('./members-process.ts', import.meta.url), [url, room, String(members)]);
  try {
    await receivers.ready;
    const deadline = Date.now() + 30_000;
    while (!(r.peers().length === members && r.peers().every((p) => p.path === 'direct'))) {
      if (Date.now() > deadline) throw new Error('members did not all connect');
      await new Promise((res) => setTimeout(res, 10));
    }
    if (r.topology !== 'star') throw new Error(`expected a star room, got ${r.topology}`);
    const links = r.peers().map((p) => server.link(p.peerId)!);
    let n = 0;
    const message = () => `{"t":"chat","n":${n++},"text":"${'x'.repeat(120)}"}`; // about 150 B
    const rate = await measureDelivery(receivers, () => {
      while (Math.max(...links.map((l) => l.bufferedAmount)) < 512 * 1024) r.send(message());
    }, seconds);
    return { stack, members, ...rate };
  } finally {
    await receivers.close();
    await server.close();
    await hub.close();
  }
}
