import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import WebSocket from 'ws';
import { CLOSE_CODES } from '../protocol/index.ts';

export type SendOutcome = 'sent' | 'not-open' | 'cut-off';

/**
 * Sockets corked during the current round of the event loop. Frames written to one socket while the loop
 * handles one round of input (every socket that was readable) leave in a single writev when the round
 * ends (setImmediate: after the poll phase), instead of a system call each: under load most of the hub's
 * time went to writev (measured with --cpu-prof), and a room mate gets the peer-joined frames of several
 * joins at once. Nothing waits longer than the round of the loop that produced it.
 *
 * What a client is waiting for (welcome, the answer to its request: see answerSoon) leaves sooner, when
 * the tick that wrote it ends: held to the end of the round, it kept clients idle while the hub worked
 * through the rest of the round, and connect+join took longer although it cost less CPU.
 */
const corked = new Set<Duplex>();
let uncorkScheduled = false;
/** Corked sockets whose client waits for what was written: uncorked when this tick ends. */
const answering = new Set<Duplex>();
let answersScheduled = false;

function uncorkAll(): void {
  uncorkScheduled = false;
  for (const socket of corked) socket.uncork();
  corked.clear();
}

function uncorkAnswering(): void {
  answersScheduled = false;
  for (const socket of answering) if (corked.delete(socket)) socket.uncork();
  answering.clear();
}

/**
 * Holds what is written to `socket` until this round of the event loop ends. The hub corks an upgrading
 * socket before ws writes its 101 response, so that the response and `welcome` leave in one segment.
 */
export function corkForRound(socket: Duplex): void {
  if (corked.has(socket)) return;
  socket.cork();
  corked.add(socket);
  if (!uncorkScheduled) {
    uncorkScheduled = true;
    setImmediate(uncorkAll);
  }
}

/** What was just written to `ws` answers its client (who waits for it): it leaves when this tick ends. */
export function answerSoon(ws: WebSocket): void {
  const socket = rawSocket(ws);
  if (socket === undefined || !corked.has(socket) || answering.has(socket)) return;
  answering.add(socket);
  if (!answersScheduled) {
    answersScheduled = true;
    process.nextTick(uncorkAnswering);
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
  if (socket !== undefined) corkForRound(socket);
  ws.send(frame);
  if (ws.bufferedAmount <= maxBufferedBytes) return 'sent';
  // What the hub holds back itself is not the reader's delay: write it out, and judge what the socket
  // could not take.
  if (socket !== undefined && corked.delete(socket)) {
    answering.delete(socket);
    socket.uncork();
    if (ws.bufferedAmount <= maxBufferedBytes) return 'sent';
  }
  ws.close(CLOSE_CODES.slowConsumer, 'slow consumer');
  return 'cut-off';
}
