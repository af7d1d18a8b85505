/**
 * Which sockets subscribe to which y-webrtc topic. Behind an interface so that a store shared by several
 * hubs (Redis) can replace the in-memory one: the connection asks it for counts and hands it frames, and
 * never walks its sets. The in-memory registry answers synchronously; a shared one will need the
 * interface to return promises (for both implementations, as the room bus does).
 */

/** A subscriber: one y-webrtc socket. deliver() writes a frame to it (and may cut a slow reader off). */
export interface TopicSubscriber {
  deliver(frame: string): void;
}

export interface TopicRegistry {
  /**
   * Subscribes `who` to every topic in `topics`, all or nothing: false, and nothing changed, when the new
   * topics would take the hub beyond its limit of topics. Topics `who` already has are fine.
   */
  subscribe(topics: Iterable<string>, who: TopicSubscriber): boolean;
  /** Unsubscribes `who` from each topic; a topic left without subscribers is forgotten. */
  unsubscribe(topics: Iterable<string>, who: TopicSubscriber): void;
  /** Subscribers of `topic` (0 when none): a publish's `clients` and what it costs its sender. */
  subscriberCount(topic: string): number;
  /** Writes `frame` to every subscriber of `topic`. */
  publish(topic: string, frame: string): void;
  stats(): { topics: number; subscriptions: number };
}

export class MemoryTopicRegistry implements TopicRegistry {
  private readonly topics = new Map<string, Set<TopicSubscriber>>();
  private subscriptions = 0;

  /** @param maxTopics topics with at least one subscriber, at once (memory stays bounded). */
  constructor(private readonly maxTopics: number) {}

  subscribe(topics: Iterable<string>, who: TopicSubscriber): boolean {
    const wanted = [...new Set(topics)];
    const fresh = wanted.filter((topic) => !this.topics.has(topic)).length;
    if (fresh > 0 && this.topics.size + fresh > this.maxTopics) return false;
    for (const topic of wanted) {
      let subscribers = this.topics.get(topic);
      if (subscribers === undefined) this.topics.set(topic, (subscribers = new Set()));
      if (subscribers.has(who)) continue;
      subscribers.add(who);
      this.subscriptions++;
    }
    return true;
  }

  unsubscribe(topics: Iterable<string>, who: TopicSubscriber): void {
    for (const topic of topics) {
      const subscribers = this.topics.get(topic);
      if (subscribers === undefined || !subscribers.delete(who)) continue;
      this.subscriptions--;
      // The original server keeps empty topics after an unsubscribe; they would add up without bound.
      if (subscribers.size === 0) this.topics.delete(topic);
    }
  }

  subscriberCount(topic: string): number {
    return this.topics.get(topic)?.size ?? 0;
  }

  publish(topic: string, frame: string): void {
    const subscribers = this.topics.get(topic);
    if (subscribers === undefined) return;
    // A delivery that cuts a slow reader off unsubscribes it only later, when its socket has closed.
    for (const who of subscribers) who.deliver(frame);
  }

  stats(): { topics: number; subscriptions: number } {
    return { topics: this.topics.size, subscriptions: this.subscriptions };
  }
}
