import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { CLOSE_CODES } from '../protocol/index.ts';

export type SendOutcome = 'sent' | 'not-open' | 'cut-off';

/**
 * Sockets corked during the current turn of the event loop. Frames written to one socket while handling
 * one burst of input leave in a single writev when the turn ends, instead of a system call each: under
 * load most of the hub's time went to writev (measured with --cpu-prof). Nothing waits longer than the
 * turn that produced it. (Holding frames to the end of the loop's round, setImmediate, saved more writes
 * at connect+join but doubled the median signal latency of a hub of 10,000 connections under
 * `npm run bench:scale`: 0.8 -> 1.4-1.7 ms.)
 */
const corked = new Set<Duplex>();
let uncorkScheduled = false;

function uncorkAll(): void {
  uncorkScheduled = false;
  for (const socket of corked) socket.uncork();
  corked.clear();
}

/**
 * Holds what is written to `socket` until this turn of the event loop ends. The hub corks an upgrading
 * socket before ws writes its 101 response, so that the response and `welcome` leave in one segment.
 */
export function corkForTurn(socket: Duplex): void {
  if (corked.has(socket)) return;
  socket.cork();
  corked.add(socket);
  if (!uncorkScheduled) {
    uncorkScheduled = true;
    process.nextTick(uncorkAll);
  }
}

/** ws keeps its net.Socket private; it has been `_socket` through ws 8. */
function rawSocket(ws: WebSocket): Socket | undefined {
  return (ws as unknown as { _socket?: Socket })._socket;
}

/**
 * Writes a frame to an open socket, and cuts off a reader that has fallen more than maxBufferedBytes
 * behind (close 4008) instead of letting the hub's memory grow. Once the socket is closing, ws drops
 * further sends, so what a slow reader can hold is bounded by maxBufferedBytes plus one frame.
 */
export function sendFrame(ws: WebSocket, frame: string, maxBufferedBytes: number): SendOutcome {
  if (ws.readyState !== WebSocket.OPEN) return 'not-open';
  const socket = rawSocket(ws);
  if (socket !== undefined) corkForTurn(socket);
  ws.send(frame);
  if (ws.bufferedAmount <= maxBufferedBytes) return 'sent';
  // What the hub holds back itself is not the reader's delay: write it out, and judge what the socket
  // could not take.
  if (socket !== undefined && corked.delete(socket)) {
    socket.uncork();
    if (ws.bufferedAmount <= maxBufferedBytes) return 'sent';
  }
  ws.close(CLOSE_CODES.slowConsumer, 'slow consumer');
  return 'cut-off';
}
