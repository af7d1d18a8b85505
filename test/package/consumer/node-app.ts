/**
 * A Node application's use of the installed package's other entries, type-checked in
 * test/package/installed.test.ts (strict, nodenext, @types/node).
 */
import { createNodeClient, weriftRtc } from 'roomwire/node';
import { createHub, createJoinToken, hubOptionSpecs, type HubOptions } from 'roomwire/hub';
import { ServerPeer, defineServerBot, type ServerBot } from 'roomwire/server-peer';

const hub = createHub({ port: 0, host: '127.0.0.1', maxPeersPerRoom: 8 } satisfies Partial<HubOptions>);
const { port } = await hub.listen();
const token: string = await createJoinToken('a-secret-of-at-least-thirty-two-bytes!', { room: 'lobby', ttlSeconds: 60 });
const client = createNodeClient({ url: `ws://127.0.0.1:${port}/ws`, rtc: weriftRtc({ iceUseIpv6: false }) });
const room = await client.join('lobby', { name: 'bot', token });
room.send('hi');

const bot: ServerBot = defineServerBot({
  commands: { hi: { help: '/hi: say hi', run: (_args, message, ctx) => ctx.broadcast(`hi ${message.name}`) } },
});
const peer = new ServerPeer({ url: `ws://127.0.0.1:${port}/ws`, secret: 's', rooms: [], historySize: 10, name: 'server', bot });
console.log(hubOptionSpecs.maxPeersPerRoom.default, peer);
await client.close();
await hub.close();

// The types are real, not `any`: each line below must fail to type-check.
// @ts-expect-error port is a number
createHub({ port: 'eighty' });
// @ts-expect-error a server peer needs its options
new ServerPeer();
// @ts-expect-error url is required
createNodeClient({});
