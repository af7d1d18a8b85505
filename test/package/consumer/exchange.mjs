// A Node consumer of the installed package, in plain JavaScript: two clients on `roomwire/node` meet in a
// room through the hub given as argv[2], and one sends the other a message. Prints what arrived as JSON.
import { createNodeClient } from 'roomwire/node';

const url = process.argv[2];
const room = `consumer-${process.pid}`;
const ann = createNodeClient({ url });
const bob = createNodeClient({ url });
await Promise.all([ann.connect(), bob.connect()]);
const annRoom = await ann.join(room, { name: 'ann' });
const received = new Promise((resolve) => annRoom.on('message', (m) => m.from === bob.peerId && resolve(m)));
const bobRoom = await bob.join(room, { name: 'bob' });
bobRoom.send('hello from bob');
const timeout = setTimeout(() => { console.error('no message within 20 s'); process.exit(1); }, 20_000);
const message = await received;
clearTimeout(timeout);
console.log(JSON.stringify({ data: message.data, path: message.path }));
await Promise.all([ann.close(), bob.close()]);
process.exit(0);
