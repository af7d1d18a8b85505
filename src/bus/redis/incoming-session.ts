/**
 * A session this hub is taking over from another hub (its client resumed here), from the claim until frames
 * for it reach it directly. Every frame for it travels through Redis meanwhile, local senders' too, so that
 * one order holds:
 * - before the handover marker: the previous hub has these frames and hands them over; dropped here;
 * - after the marker, until the session is adopted: collected here, delivered after the handed-over ones;
 * - after adoption, until this hub's closing sentinel comes back through Redis: delivered to the session
 *   as they come, so that none published before the switch to direct delivery arrives after a later one;
 *   and frames from senders on this hub meanwhile are held (not published: they would arrive after the
 *   sentinel, behind later direct ones), then delivered when the sentinel is back, before any direct one.
 */
import type { Endpoint } from '../room-bus.ts';

export class IncomingSession {
  private state: 'before-marker' | 'collecting' | 'adopted';
  private collected: string[] = [];
  private held: string[] = [];
  private endpoint: Endpoint | undefined;

  constructor(
    readonly requestId: string,
    readonly rooms: ReadonlySet<string>,
    /** The previous hub is alive and will answer a marker; when it is dead, everything from now on is ours. */
    previousAlive: boolean,
    /** Frames collected before adoption at most (beyond: dropped, as a dead hub's would be). */
    private readonly maxFrames: number,
  ) {
    this.state = previousAlive ? 'before-marker' : 'collecting';
  }

  get adopted(): Endpoint | undefined {
    return this.endpoint;
  }

  /** Our marker came back through Redis: what follows it is ours. */
  marked(): void {
    if (this.state === 'before-marker') this.state = 'collecting';
  }

  accept(frame: string): void {
    if (this.state === 'adopted') this.endpoint!.deliver(frame);
    else if (this.state === 'collecting' && this.collected.length < this.maxFrames) this.collected.push(frame);
  }

  /** A frame from a sender on this hub after adoption: delivered by settle(), once what is in flight is in. */
  hold(frame: string): void {
    if (this.held.length < this.maxFrames) this.held.push(frame);
  }

  /** Nothing published before adoption is still on its way: delivers the held frames (once). */
  settle(): void {
    const held = this.held;
    this.held = [];
    for (const frame of held) this.endpoint!.deliver(frame);
  }

  /** What was collected; from now on frames go to the endpoint `takeOver` returns. */
  adopt(takeOver: (collected: string[]) => Endpoint): void {
    const collected = this.collected;
    this.collected = [];
    this.state = 'collecting'; // the marker may never have come back (a lost publish): take what there is
    this.endpoint = takeOver(collected);
    this.state = 'adopted';
  }
}
