import WebSocket from 'ws';
import { CLOSE_CODES } from '../protocol/index.ts';

export type SendOutcome = 'sent' | 'not-open' | 'cut-off';

/**
 * Writes a frame to an open socket, and cuts off a reader that has fallen more than maxBufferedBytes
 * behind (close 4008) instead of letting the hub's memory grow. Once the socket is closing, ws drops
 * further sends, so what a slow reader can hold is bounded by maxBufferedBytes plus one frame.
 */
export function sendFrame(ws: WebSocket, frame: string, maxBufferedBytes: number): SendOutcome {
  if (ws.readyState !== WebSocket.OPEN) return 'not-open';
  ws.send(frame);
  if (ws.bufferedAmount <= maxBufferedBytes) return 'sent';
  ws.close(CLOSE_CODES.slowConsumer, 'slow consumer');
  return 'cut-off';
}
