/**
 * A real webhook receiver on loopback (node:http, port 0 unless given): it checks every request's
 * signature itself with node:crypto, and answers each request as `answer(n)` says (n counts from 1): a
 * status, `hold` (kept unanswered until release()), or `hang` (never answered).
 */
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Delivery {
  headers: IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown>;
}

export type Answer = number | 'hold' | 'hang';

export interface TestReceiver {
  url: string;
  port: number;
  /** Requests answered with a 2xx, in the order they were answered. */
  deliveries: Delivery[];
  /** Every request received, answered or not. */
  requests(): number;
  /** What was wrong with any request: bad signature, stale timestamp, bad headers. */
  problems: string[];
  /** Connections open now, and the most ever open at once. */
  open(): number;
  maxOpen(): number;
  /** Answers the held requests with 204. */
  release(): void;
  close(): Promise<void>;
}

/** How far x-roomwire-timestamp may be from the receiver's clock, in seconds. */
const FRESH_SECONDS = 60;

export async function startReceiver(secret: string, answer: (n: number) => Answer = () => 204, port = 0): Promise<TestReceiver> {
  const deliveries: Delivery[] = [];
  const problems: string[] = [];
  const held: { res: ServerResponse; delivery: Delivery }[] = [];
  const sockets = new Set<Socket>();
  let requests = 0;
  let maxOpen = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const delivery = { headers: req.headers, raw, body: JSON.parse(raw) as Record<string, unknown> };
      problems.push(...check(secret, req.method, req.headers, raw));
      const a = answer(++requests);
      if (a === 'hang') return;
      if (a === 'hold') return void held.push({ res, delivery });
      if (a < 300) deliveries.push(delivery);
      res.writeHead(a).end();
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    maxOpen = Math.max(maxOpen, sockets.size);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}/hooks/roomwire?key=receiver-token`,
    port: bound,
    deliveries,
    problems,
    requests: () => requests,
    open: () => sockets.size,
    maxOpen: () => maxOpen,
    release() {
      for (const { res, delivery } of held.splice(0)) {
        deliveries.push(delivery);
        res.writeHead(204).end();
      }
    },
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

function check(secret: string, method: string | undefined, headers: IncomingHttpHeaders, raw: string): string[] {
  const problems: string[] = [];
  const timestamp = String(headers['x-roomwire-timestamp']);
  const expected = 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${raw}`).digest('hex');
  if (method !== 'POST') problems.push(`method ${method}`);
  if (headers['content-type'] !== 'application/json') problems.push(`content-type ${headers['content-type']}`);
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > FRESH_SECONDS) problems.push(`timestamp ${timestamp}`);
  if (headers['x-roomwire-signature'] !== expected) problems.push(`signature ${headers['x-roomwire-signature']} for ${raw}`);
  return problems;
}
