/**
 * The werift ends of bench/interop-pairs.ts: a room client in a process of its own (each stack of a pair has
 * its own process, as the Go and Python peers and Chromium do), driven over IPC by interop-ends.ts.
 * `join` makes a fresh client (every sample is a fresh pair) and answers its peer id; `send` sends a burst
 * to the room; `expect` asks for a `received` report once that many messages have arrived since the join;
 * `leave` closes the client; every `path-change` is reported as it happens.
 */
import { createNodeClient } from '../src/client/node.ts';
import type { RoomClient } from '../src/client/room-client.ts';
import type { Room } from '../src/client/room.ts';
import type { EndReport } from './interop-ends.ts';

type Command =
  | { op: 'join'; url: string; room: string; name: string }
  | { op: 'send'; size: number; count: number }
  | { op: 'expect'; total: number }
  | { op: 'leave' }
  | { op: 'exit' };

const report = (r: EndReport | { answer: unknown } | { refused: string }) => process.send!(r);
let client: RoomClient | undefined;
let room: Room | undefined;
let count = 0;
let expecting = Infinity;

async function join(url: string, name: string, roomName: string): Promise<string> {
  count = 0;
  expecting = Infinity;
  const c = (client = createNodeClient({ url }));
  c.on('path-change', (e) => report({ event: 'path-change', peerId: e.peerId, path: e.path }));
  await c.connect();
  room = await c.join(roomName, { name }, (r) => r.on('message', () => {
    count++;
    reportIfReached();
  }));
  return c.peerId;
}

function reportIfReached(): void {
  if (count < expecting) return;
  report({ event: 'received', total: expecting });
  expecting = Infinity;
}

process.on('message', (command: Command) => {
  switch (command.op) {
    case 'join':
      join(command.url, command.name, command.room).then((peerId) => report({ answer: peerId }), (err: Error) => report({ refused: err.message }));
      break;
    case 'send': {
      const text = 'x'.repeat(command.size);
      try {
        for (let i = 0; i < command.count; i++) room!.send(text);
      } catch (err) {
        report({ event: 'failed', message: `send: ${(err as Error).message}` });
      }
      break;
    }
    case 'expect':
      expecting = command.total;
      reportIfReached();
      break;
    case 'leave':
      void (client?.close() ?? Promise.resolve()).then(() => report({ answer: null }));
      client = room = undefined;
      break;
    case 'exit':
      void (client?.close() ?? Promise.resolve()).then(() => process.exit(0));
  }
});
