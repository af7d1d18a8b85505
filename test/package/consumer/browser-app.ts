/**
 * A browser application's use of the installed package, type-checked in test/package/installed.test.ts
 * with strict nodenext settings, the DOM library and no Node types at all (`types: []`), and without
 * skipLibCheck: the declarations of `roomwire` and `roomwire/protocol` must stand on their own.
 */
import { RoomClient, SendQueueFullError, type LinkPath, type PeerState, type RoomMessage, type RtcFactory } from 'roomwire';
import { ERROR_CODES, parseHubMessage, type ClientMessage, type ErrorCode } from 'roomwire/protocol';

const client = new RoomClient({ url: 'wss://rooms.example/ws', p2pTimeoutMs: 5_000 });
client.on('signaling', (state) => console.log(state satisfies 'connecting' | 'open' | 'reconnecting' | 'closed'));
await client.connect();
const room = await client.join('lobby', { name: 'ann' });
room.on('message', (m: RoomMessage) => {
  const path: LinkPath = m.path;
  console.log(path, typeof m.data === 'string' ? m.data : m.data.byteLength);
});
try {
  room.send('hello');
  room.send(new Uint8Array(16), { to: 'someone' });
} catch (err) {
  if (!(err instanceof SendQueueFullError)) throw err;
}
const peers: PeerState[] = room.peers();
const rtc: RtcFactory = (config) => new RTCPeerConnection(config) as unknown as ReturnType<RtcFactory>;
const codes: readonly ErrorCode[] = ERROR_CODES;
const hello: ClientMessage = { type: 'leave', room: 'lobby' };
console.log(peers, rtc, codes, hello, parseHubMessage('{}'));

// The types are real, not `any`: each line below must fail to type-check.
// @ts-expect-error the room name is a string
await client.join(42);
// @ts-expect-error no such option
new RoomClient({ url: 'ws://x/ws', noSuchOption: true });
// @ts-expect-error not a client message
const bogus: ClientMessage = { type: 'teleport' };
console.log(bogus);
