/** What `roomwire admin` prints without --json: plain text tables, one row a room or a member. */
import { roomLinkCounts, type RoomView, type StatsAnswer } from '../admin-page/admin-client.ts';
import { LINK_PATHS, type LinkPathName } from '../protocol/index.ts';

/** Columns padded to their widest cell, two spaces apart; no trailing blanks. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

const linkSummary = (counts: Record<LinkPathName, number>) => LINK_PATHS.map((p) => String(counts[p]));

export function roomsTable(rooms: RoomView[]): string {
  if (rooms.length === 0) return 'no rooms';
  return table(
    ['ROOM', 'TOPOLOGY', 'MEMBERS', 'GRACE', ...LINK_PATHS.map((p) => p.toUpperCase())],
    rooms.map((r) => [r.room, r.topology, String(r.members.length), String(r.members.filter((m) => m.state === 'grace').length), ...linkSummary(roomLinkCounts(r))]),
  );
}

export function roomTable(room: RoomView): string {
  const nameOf = new Map(room.members.map((m) => [m.peerId, m.name || m.peerId.slice(0, 8)]));
  const head = `room ${room.room} (${room.topology}), ${room.members.length} member${room.members.length === 1 ? '' : 's'}`;
  const members = table(
    ['NAME', 'PEER ID', 'ROLE', 'NODE', 'STATE', 'LINKS'],
    room.members.map((m) => [
      m.name || '-', m.peerId, m.role, m.node, m.state,
      Object.entries(m.links).map(([mate, path]) => `${nameOf.get(mate) ?? mate.slice(0, 8)}:${path}`).join(' ') || '-',
    ]),
  );
  const counts = roomLinkCounts(room);
  return `${head}\n\n${members}\n\nlinks: ${LINK_PATHS.map((p) => `${p} ${counts[p]}`).join(', ')}`;
}

export function statsTable(stats: StatsAnswer): string {
  const last = stats.history.at(-1);
  const rows: [string, string][] = [
    ['node', stats.node],
    ['uptime', `${stats.uptimeSeconds} s`],
    ['draining', stats.draining ? 'yes' : 'no'],
    ['connections', String(stats.connections)],
    ['sessions', `${stats.peers} (${stats.absent} in resume grace)`],
    ['rooms', String(stats.rooms)],
    ['messages/s', last === undefined ? '-' : `${last.messagesPerSecond} (last sample)`],
    ...LINK_PATHS.map((p): [string, string] => [`links ${p}`, String(stats.links[p] ?? 0)]),
  ];
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return rows.map(([k, v]) => k.padEnd(width) + v).join('\n');
}
