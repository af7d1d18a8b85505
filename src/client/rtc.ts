/**
 * The slice of the WebRTC API the room client uses, shaped like the standard so that a browser's
 * RTCPeerConnection fits as is; Node injects werift's (src/client/node.ts) or node-datachannel's.
 * Differences between implementations are handled here, each in one place.
 */
import type { IceServer } from '../protocol/index.ts';

export interface RtcDescription {
  type: 'offer' | 'answer' | 'pranswer' | 'rollback';
  sdp?: string;
}

export interface RtcCandidate {
  candidate?: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

export interface RtcDataChannel {
  readonly readyState: string;
  readonly bufferedAmount: number;
  bufferedAmountLowThreshold: number;
  binaryType?: string;
  onopen?: ((ev?: unknown) => void) | null;
  onclose?: ((ev?: unknown) => void) | null;
  onerror?: ((ev?: unknown) => void) | null;
  onmessage?: ((ev: { data: unknown }) => void) | null;
  send(data: Uint8Array): void;
  close(): void;
}

export interface RtcStats {
  forEach(fn: (stat: Record<string, unknown>) => void): void;
}

export interface RtcPeerConnection {
  readonly signalingState: string;
  readonly iceConnectionState: string;
  readonly remoteDescription: unknown;
  readonly localDescription: RtcDescription | null;
  onicecandidate: ((ev: { candidate: RtcCandidate | null | undefined }) => void) | null;
  ondatachannel: ((ev: { channel: RtcDataChannel }) => void) | null;
  onnegotiationneeded: ((ev?: unknown) => void) | null;
  oniceconnectionstatechange: ((ev?: unknown) => void) | null;
  createDataChannel(label: string): RtcDataChannel;
  createOffer(): Promise<RtcDescription>;
  createAnswer(): Promise<RtcDescription>;
  setLocalDescription(description: RtcDescription): Promise<unknown>;
  setRemoteDescription(description: RtcDescription): Promise<unknown>;
  addIceCandidate(candidate: RtcCandidate): Promise<unknown>;
  getStats(): Promise<RtcStats>;
  close(): unknown;
}

export interface RtcConfig {
  iceServers: IceServer[];
  iceTransportPolicy: 'all' | 'relay';
}

export type RtcFactory = (config: RtcConfig) => RtcPeerConnection;

/**
 * Calls `fn` whenever the channel's bufferedAmount falls to its low threshold. Browsers have
 * `onbufferedamountlow`; werift has no such property, only its `bufferedAmountLow` event.
 */
export function onBufferedAmountLow(channel: RtcDataChannel, fn: () => void): void {
  const weriftEvent = (channel as unknown as { bufferedAmountLow?: { subscribe?: (f: () => void) => unknown } }).bufferedAmountLow;
  if (typeof weriftEvent?.subscribe === 'function') weriftEvent.subscribe(fn);
  else (channel as unknown as { onbufferedamountlow: () => void }).onbufferedamountlow = fn;
}

/** A DataChannel message as bytes: ArrayBuffer (browser), Buffer (werift), or a string (never sent by us). */
export function messageBytes(data: unknown): Uint8Array | null {
  if (data instanceof Uint8Array) return data; // Node's Buffer is a Uint8Array
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}

/**
 * Whether the selected ICE candidate pair goes through a TURN server ('turn') or not ('direct');
 * undefined when the stats do not tell (yet).
 */
export async function selectedPath(pc: RtcPeerConnection): Promise<'direct' | 'turn' | undefined> {
  const stats = await pc.getStats();
  const byId = new Map<string, Record<string, unknown>>();
  let pairId: string | undefined;
  stats.forEach((s) => {
    byId.set(String(s.id), s);
    if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') pairId = s.selectedCandidatePairId;
  });
  let pair = pairId === undefined ? undefined : byId.get(pairId);
  if (pair === undefined) {
    // Some stacks report no transport stat: take the nominated, succeeded pair.
    stats.forEach((s) => {
      if (s.type === 'candidate-pair' && s.state === 'succeeded' && (s.nominated || s.selected)) pair ??= s;
    });
  }
  if (pair === undefined) return undefined;
  const local = byId.get(String(pair.localCandidateId));
  const remote = byId.get(String(pair.remoteCandidateId));
  if (local === undefined && remote === undefined) return undefined;
  return local?.candidateType === 'relay' || remote?.candidateType === 'relay' ? 'turn' : 'direct';
}
