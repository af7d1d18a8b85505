/**
 * A peer's identity on the hub: its peer id, resume token and rooms. It outlives its WebSocket for
 * resumeGraceMs, queueing what is addressed to it, so a page reload or a network blip keeps the peer id
 * and loses no signal or relay message.
 */
import type WebSocket from 'ws';
import { sendFrame } from './send-frame.ts';

export interface SessionLimits {
  maxBufferedBytes: number;
  resumeQueueMaxMessages: number;
  resumeQueueMaxBytes: number;
}

export class Session {
  /** room -> display name this peer joined it with */
  readonly rooms = new Map<string, string>();
  socket: WebSocket | null = null;
  graceTimer: NodeJS.Timeout | undefined;
  /** Set once the session is gone for good (left, expired, replaced by nothing). */
  ended = false;
  private queue: string[] = [];
  private queuedBytes = 0;

  constructor(
    readonly peerId: string,
    readonly resumeToken: string,
    private readonly limits: SessionLimits,
    /** Called when the grace queue would exceed its bounds: the session must end. */
    private readonly onQueueOverflow: (session: Session) => void,
  ) {}

  /** The bus endpoint: to the socket when it is open, else into the resume queue. */
  readonly deliver = (frame: string): void => {
    if (this.ended) return;
    if (this.socket !== null && sendFrame(this.socket, frame, this.limits.maxBufferedBytes)) return;
    if (
      this.queue.length >= this.limits.resumeQueueMaxMessages ||
      this.queuedBytes + frame.length > this.limits.resumeQueueMaxBytes
    ) {
      this.onQueueOverflow(this);
      return;
    }
    this.queue.push(frame);
    this.queuedBytes += frame.length;
  };

  /** Binds a socket and hands back what was queued while there was none, oldest first. */
  attach(socket: WebSocket): string[] {
    this.socket = socket;
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    const queued = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    return queued;
  }

  detach(): void {
    this.socket = null;
  }
}
