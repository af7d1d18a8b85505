/**
 * A few numbers of the hub sampled at a fixed interval and kept for a bounded time (the admin page draws
 * them as small charts): connections, sessions, rooms and messages/s. Memory: `keep` samples, no more.
 */
export interface StatsSample {
  /** ms since the epoch */
  at: number;
  connections: number;
  sessions: number;
  rooms: number;
  messagesPerSecond: number;
}

export interface StatsProbe {
  connections(): number;
  sessions(): number;
  rooms(): number;
  /** Client messages handled since start (a running total). */
  messages(): number;
}

export class StatsHistory {
  private readonly samples: StatsSample[] = [];
  private readonly timer: NodeJS.Timeout;
  private lastMessages = 0;
  private lastAt = Date.now();

  constructor(
    private readonly probe: StatsProbe,
    intervalMs: number,
    private readonly keep: number,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  /** Oldest first. */
  all(): StatsSample[] {
    return [...this.samples];
  }

  close(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    const now = Date.now();
    const messages = this.probe.messages();
    const seconds = Math.max(0.001, (now - this.lastAt) / 1000);
    this.samples.push({
      at: now,
      connections: this.probe.connections(),
      sessions: this.probe.sessions(),
      rooms: this.probe.rooms(),
      messagesPerSecond: Math.round((messages - this.lastMessages) / seconds),
    });
    if (this.samples.length > this.keep) this.samples.shift();
    this.lastMessages = messages;
    this.lastAt = now;
  }
}
