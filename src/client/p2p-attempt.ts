/**
 * One attempt at a peer-to-peer DataChannel with one remote peer: an RTCPeerConnection with perfect
 * negotiation (RFC 8829 §5 / the W3C "perfect negotiation" pattern) and trickle ICE. Attempts are
 * numbered (`gen`) by their link; signals of an older attempt are ignored.
 */
import type { RtcCandidate, RtcConfig, RtcDataChannel, RtcDescription, RtcFactory, RtcPeerConnection } from './rtc.ts';

export interface AttemptSignal {
  description?: RtcDescription;
  candidate?: RtcCandidate;
}

export interface AttemptEvents {
  signal(data: AttemptSignal): void;
  open(channel: RtcDataChannel, pc: RtcPeerConnection): void;
  /** The ICE transport reports trouble ('disconnected') or recovery ('connected'). */
  ice(state: string): void;
  /** The attempt is over: ICE failed, or the channel closed. */
  failed(reason: string): void;
}

export const CHANNEL_LABEL = 'roomwire';

export class P2PAttempt {
  readonly pc: RtcPeerConnection;
  private channel: RtcDataChannel | undefined;
  private makingOffer = false;
  private offerStarted = false;
  private ignoreOffer = false;
  /** Candidates that arrived before the remote description they belong to. */
  private heldCandidates: RtcCandidate[] = [];
  /** Our candidates, held until our description has gone out (werift gathers during setLocalDescription). */
  private outgoingCandidates: RtcCandidate[] | undefined = [];
  /** Set once a remote description is applied (node-datachannel's remoteDescription is never null). */
  private hasRemoteDescription = false;
  private closed = false;
  private closing: Promise<void> = Promise.resolve();

  constructor(
    readonly gen: number,
    private readonly polite: boolean,
    createPeerConnection: RtcFactory,
    config: RtcConfig,
    private readonly events: AttemptEvents,
  ) {
    this.pc = createPeerConnection(config);
    const pc = this.pc;
    pc.onicecandidate = (ev) => {
      if (!ev.candidate || !ev.candidate.candidate) return;
      const candidate = plainCandidate(ev.candidate);
      if (this.outgoingCandidates !== undefined) this.outgoingCandidates.push(candidate);
      else this.send({ candidate });
    };
    pc.onnegotiationneeded = () => void this.negotiate();
    pc.oniceconnectionstatechange = () => {
      const state = pc.iceConnectionState;
      if (state === 'failed' || state === 'closed') this.fail(`ice ${state}`);
      else this.events.ice(state);
    };
    pc.ondatachannel = (ev) => this.adopt(ev.channel);
    // The impolite side opens the channel, so a first negotiation never collides.
    if (!polite) {
      this.adopt(pc.createDataChannel(CHANNEL_LABEL));
      // node-datachannel's polyfill never fires negotiationneeded (werift and browsers do): start the
      // first offer ourselves if nothing else has by the next task.
      setTimeout(() => {
        if (!this.offerStarted && !this.closed) void this.negotiate();
      }, 0);
    }
  }

  async handle(data: AttemptSignal): Promise<void> {
    if (this.closed) return;
    try {
      if (data.description !== undefined) await this.onDescription(data.description);
      else if (data.candidate !== undefined) await this.onCandidate(data.candidate);
    } catch (err) {
      this.fail(`negotiation: ${(err as Error).message}`);
    }
  }

  /** Resolves once the peer connection has closed (its sockets released). Idempotent. */
  close(): Promise<void> {
    if (this.closed) return this.closing;
    this.closed = true;
    const channel = this.channel;
    if (channel !== undefined) {
      channel.onopen = channel.onclose = channel.onmessage = channel.onerror = null;
      try { channel.close(); } catch { /* already closed */ }
    }
    this.pc.onicecandidate = this.pc.onnegotiationneeded = this.pc.oniceconnectionstatechange = null;
    this.pc.ondatachannel = null;
    this.closing = Promise.resolve().then(() => this.pc.close()).then(() => {}, () => {});
    return this.closing;
  }

  private async negotiate(): Promise<void> {
    this.offerStarted = true;
    try {
      this.makingOffer = true;
      const offer = await this.pc.createOffer();
      if (this.closed) return;
      // libdatachannel (node-datachannel) sets its local offer by itself when a channel is created.
      if (this.pc.signalingState === 'stable') await this.pc.setLocalDescription(offer);
      else if (this.pc.signalingState !== 'have-local-offer') return; // a remote offer won the race
      this.sendDescription(this.pc.localDescription ?? offer);
    } catch (err) {
      this.fail(`offer: ${(err as Error).message}`);
    } finally {
      this.makingOffer = false;
    }
  }

  private async onDescription(description: RtcDescription): Promise<void> {
    const collision = description.type === 'offer' && (this.makingOffer || this.pc.signalingState !== 'stable');
    this.ignoreOffer = !this.polite && collision;
    if (this.ignoreOffer) return;
    if (collision) await this.pc.setLocalDescription({ type: 'rollback' });
    await this.pc.setRemoteDescription(description);
    this.hasRemoteDescription = true;
    for (const candidate of this.heldCandidates.splice(0)) await this.addCandidate(candidate);
    if (description.type === 'offer') {
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
      this.sendDescription(this.pc.localDescription ?? answer);
    }
  }

  /** Sends our description, then the candidates gathered while it was being set. */
  private sendDescription(description: RtcDescription): void {
    this.send({ description: plainDescription(description) });
    const held = this.outgoingCandidates ?? [];
    this.outgoingCandidates = undefined;
    for (const candidate of held) this.send({ candidate });
  }

  private async onCandidate(candidate: RtcCandidate): Promise<void> {
    if (!this.hasRemoteDescription) {
      this.heldCandidates.push(candidate);
      return;
    }
    await this.addCandidate(candidate);
  }

  /** One candidate the stack cannot use does not end the attempt: ICE fails by itself if none works. */
  private async addCandidate(candidate: RtcCandidate): Promise<void> {
    try {
      await this.pc.addIceCandidate(candidate);
    } catch {
      // e.g. a candidate of an offer we ignored, or an address family the stack does not handle
    }
  }

  private adopt(channel: RtcDataChannel): void {
    if (this.channel !== undefined && this.channel !== channel) {
      channel.close(); // one channel per attempt
      return;
    }
    this.channel = channel;
    channel.binaryType = 'arraybuffer';
    const opened = () => {
      if (!this.closed) this.events.open(channel, this.pc);
    };
    if (channel.readyState === 'open') queueMicrotask(opened);
    else channel.onopen = opened;
    channel.onclose = () => this.fail('channel closed');
  }

  private send(data: AttemptSignal): void {
    if (!this.closed) this.events.signal(data);
  }

  private fail(reason: string): void {
    if (this.closed) return;
    this.close();
    this.events.failed(reason);
  }
}

// Stacks return class instances with getters; the hub needs plain JSON.
function plainDescription(d: RtcDescription): RtcDescription {
  return { type: d.type, sdp: d.sdp ?? '' };
}

/**
 * node-datachannel differs from the standard in two ways that break werift: it prefixes the attribute
 * name ("a=candidate:...") and leaves sdpMLineIndex null. Our connections have exactly one m-section
 * (the DataChannel's), so its index is 0.
 */
function plainCandidate(c: RtcCandidate): RtcCandidate {
  return {
    candidate: (c.candidate ?? '').replace(/^a=/, ''),
    sdpMid: c.sdpMid ?? null,
    sdpMLineIndex: c.sdpMLineIndex ?? 0,
    usernameFragment: c.usernameFragment ?? null,
  };
}
