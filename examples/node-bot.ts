/**
 * A bot on `roomwire/node` (ws + werift): joins a room, greets whoever joins, answers `ping` with `pong`,
 * and prints what it hears with the path it came by (direct, turn or relay).
 *
 *   npx tsx examples/node-bot.ts [ws://localhost:8080/ws] [room] [name]
 *
 * In a project of your own: `npm install roomwire`, and the same code runs under tsx, or as .mjs with node.
 */
import type { RoomMessage } from 'roomwire';
import { createNodeClient } from 'roomwire/node';

const [url = 'ws://localhost:8080/ws', roomName = 'lobby', name = 'node-bot'] = process.argv.slice(2);

const client = createNodeClient({ url });
await client.connect();
const room = await client.join(roomName, { name });
console.log(`${name} joined ${roomName} as ${client.peerId}`);

room.on('peer-joined', (peer) => room.send(`hello ${peer.name || 'stranger'}`, { to: peer.peerId }));
room.on('message', (m: RoomMessage) => {
  const text = typeof m.data === 'string' ? m.data : `(${m.data.byteLength} bytes)`;
  console.log(`${m.from} via ${m.path}: ${text}`);
  if (text === 'ping') room.send('pong', { to: m.from });
});

// Leave deliberately on Ctrl-C or SIGTERM, so the others see the bot go at once.
const stop = () => void client.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
