/**
 * N receiving room clients in one process (werift), for the server-peer fan-out benchmark. Started with
 * fork(); joins `room`, says 'ready', answers 'stats' with {messages, bytes} summed over its clients.
 */
import { createNodeClient } from '../src/client/node.ts';
import type { RoomClient } from '../src/client/room-client.ts';

const [url, room, count] = process.argv.slice(2) as [string, string, string];
const clients: RoomClient[] = [];
let messages = 0;
let bytes = 0;
for (let i = 0; i < Number(count); i++) {
  const client = createNodeClient({ url });
  await client.connect();
  const r = await client.join(room, { name: `member-${i}` });
  r.on('message', (m) => {
    messages++;
    bytes += m.data.length;
  });
  clients.push(client);
}
process.on('message', async (msg) => {
  if (msg === 'stats') process.send!({ messages, bytes });
  if (msg === 'close') {
    await Promise.all(clients.map((c) => c.close()));
    process.exit(0);
  }
});
process.send!('ready');
