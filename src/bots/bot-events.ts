/** What a bot reports, and how: one JSON object per line (--json), or lines a person reads. */
import type { LinkPath } from '../client/peer-link.ts';
import type { PeerInfo } from '../protocol/index.ts';

export type BotEvent =
  | { event: 'joined'; room: string; peerId: string; name: string; topology: string; peers: (PeerInfo & { path: LinkPath })[] }
  | { event: 'topology'; room: string; topology: string }
  | { event: 'peer-joined'; room: string; peerId: string; name: string; role: string }
  | { event: 'peer-left'; room: string; peerId: string; name: string; reason: string }
  | { event: 'message'; room: string; from: string; name: string; data: string; binary: boolean; whisper: boolean; path: LinkPath; history?: boolean }
  | { event: 'path-change'; room: string; peerId: string; name: string; path: LinkPath; previous: LinkPath }
  | { event: 'signaling'; state: string }
  | { event: 'sent'; room: string; to?: string; bytes: number }
  | { event: 'error'; code: string; message: string }
  | { event: 'left'; room: string };

const short = (peerId: string) => peerId.slice(0, 8);
const who = (name: string, peerId: string) => (name === '' ? short(peerId) : name);

export function formatEvent(e: BotEvent, json: boolean): string | undefined {
  if (json) return JSON.stringify({ ...e, at: new Date().toISOString() });
  switch (e.event) {
    case 'joined': {
      const peers = e.peers.map((p) => `${who(p.name, p.peerId)} (${p.path})`).join(', ');
      return `* joined ${e.room} as ${e.name} (${short(e.peerId)}, ${e.topology}); ${e.peers.length} other peer(s)${peers ? ': ' + peers : ''}`;
    }
    case 'topology':
      return `* ${e.room} is now a ${e.topology === 'star' ? 'star (through the server peer)' : 'mesh'}`;
    case 'peer-joined':
      return `* ${who(e.name, e.peerId)} joined${e.role === 'server' ? ' (server peer)' : ''}`;
    case 'peer-left':
      return `* ${who(e.name, e.peerId)} left (${e.reason})`;
    case 'message': {
      const text = e.binary ? `<${e.data.length * 3 / 4 | 0} bytes>` : e.data;
      return `<${who(e.name, e.from)}>${e.whisper ? ' (whisper)' : ''}${e.history ? ' (history)' : ''} ${text}  [${e.path}]`;
    }
    case 'path-change':
      return `* ${who(e.name, e.peerId)}: ${e.previous} -> ${e.path}`;
    case 'signaling':
      return `* signaling ${e.state}`;
    case 'error':
      return `! ${e.code}: ${e.message}`;
    case 'left':
      return `* left ${e.room}`;
    case 'sent':
      return undefined; // a person sees their own line already
  }
}
