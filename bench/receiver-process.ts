/**
 * A receiving room client in its own process (node-datachannel is not safe in worker threads), so that
 * sender and receiver each have a core. Started with fork(); answers 'stats' with {messages, bytes}.
 */
import { createNodeClient } from '../src/client/node.ts';
import { nodeDatachannelRtc } from '../test/helpers/node-datachannel-rtc.ts';

const [url, room, stack, coalesce] = process.argv.slice(2) as [string, string, string, string];
const client = createNodeClient({ url, coalesce: coalesce === 'true', ...(stack === 'node-datachannel' ? { rtc: nodeDatachannelRtc } : {}) });
await client.connect();
const r = await client.join(room);
let messages = 0;
let bytes = 0;
r.on('message', (m) => {
  messages++;
  bytes += m.data.length;
});
process.on('message', (msg) => {
  if (msg === 'stats') process.send!({ messages, bytes });
  if (msg === 'close') {
    client.close();
    process.exit(0);
  }
});
process.send!('ready');
