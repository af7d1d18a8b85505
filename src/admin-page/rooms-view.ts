/**
 * The rooms: one card each with its topology, link counts by path and a close button, and a row per
 * member (name, short peer id, role, node, connected or in grace, the path of each of its links, kick).
 * Names come from clients: they only ever go into text nodes.
 */
import { LINK_PATHS } from '../protocol/index.ts';
import { el, shortId } from '../page/dom.ts';
import { PATH_LABEL } from '../page/peers-view.ts';
import { roomLinkCounts, type MemberView, type RoomView } from './admin-client.ts';

export interface RoomActions {
  kick(room: RoomView, member: MemberView): void;
  close(room: RoomView): void;
}

export const displayName = (m: MemberView) => m.name || shortId(m.peerId);

export function pathBadge(path: string, text = PATH_LABEL[path] ?? path): HTMLElement {
  return el('span', { class: `badge path-${path}`, 'data-path': path, text });
}

/** Rooms drawn at most (a hub may hold 10,000): the page stays quick; `roomwire admin rooms` lists all. */
export const MAX_ROOMS_SHOWN = 200;

export function renderRooms(list: HTMLElement, rooms: RoomView[], actions: RoomActions): void {
  if (rooms.length === 0) {
    list.replaceChildren(el('p', { class: 'empty-rooms', testid: 'no-rooms', text: 'No rooms open on this hub.' }));
    return;
  }
  const more = rooms.length - MAX_ROOMS_SHOWN;
  const cards: HTMLElement[] = rooms.slice(0, MAX_ROOMS_SHOWN).map((room) => roomCard(room, actions));
  if (more > 0) cards.push(el('p', { class: 'empty-rooms', testid: 'more-rooms', text: `…and ${more} more room${more === 1 ? '' : 's'} (the first ${MAX_ROOMS_SHOWN} by name are shown; \`roomwire admin rooms\` lists all).` }));
  list.replaceChildren(...cards);
}

function roomCard(room: RoomView, actions: RoomActions): HTMLElement {
  const counts = roomLinkCounts(room);
  const grace = room.members.filter((m) => m.state === 'grace').length;
  const close = el('button', { class: 'danger small', type: 'button', testid: 'close-room-button', text: 'Close room' });
  close.addEventListener('click', () => actions.close(room));
  const head = el('div', { class: 'room-head' }, [
    el('h3', { testid: 'room-name', text: room.room }),
    el('span', { class: 'meta', testid: 'room-meta', text: `${room.topology} · ${room.members.length} member${room.members.length === 1 ? '' : 's'}${grace > 0 ? ` (${grace} in grace)` : ''}` }),
    el('span', { class: 'paths', testid: 'room-links' }, LINK_PATHS.filter((p) => counts[p] > 0).map((p) => {
      const badge = pathBadge(p, `${counts[p]} ${PATH_LABEL[p] ?? p}`);
      badge.dataset.testid = 'room-link-count';
      badge.dataset.count = String(counts[p]);
      return badge;
    })),
    close,
  ]);
  const nameOf = new Map(room.members.map((m) => [m.peerId, displayName(m)]));
  const table = el('table', { class: 'members' }, [
    el('colgroup', {}, ['name', 'id', 'role', 'node', 'state', 'links', 'kick'].map((c) => el('col', { class: `col-${c}` }))),
    el('thead', {}, [el('tr', {}, ['Name', 'Peer id', 'Role', 'Node', 'State', 'Links', ''].map((h) => el('th', { text: h })))]),
    el('tbody', {}, room.members.map((m) => memberRow(room, m, nameOf, actions))),
  ]);
  return el('article', { class: 'room', testid: 'room-card', 'data-room': room.room, 'data-topology': room.topology }, [head, table]);
}

function memberRow(room: RoomView, m: MemberView, nameOf: Map<string, string>, actions: RoomActions): HTMLElement {
  const kick = el('button', { class: 'secondary small', type: 'button', testid: 'kick-button', text: 'Kick', 'aria-label': `kick ${displayName(m)}` });
  kick.addEventListener('click', () => actions.kick(room, m));
  const links = Object.entries(m.links);
  return el('tr', { testid: 'member-row', 'data-peer-id': m.peerId, 'data-name': m.name, 'data-state': m.state }, [
    el('td', { class: 'cell-name' }, [
      el('span', { class: 'name', testid: 'member-name', text: displayName(m) }),
      el('span', { class: 'peer-id narrow-only', text: shortId(m.peerId), title: m.peerId }),
    ]),
    el('td', { class: 'peer-id wide-only', testid: 'member-peer-id', title: m.peerId, text: shortId(m.peerId) }),
    el('td', { testid: 'member-role', 'data-label': 'role', text: m.role }),
    el('td', { testid: 'member-node', 'data-label': 'node', text: m.node }),
    el('td', { class: 'cell-state' }, [el('span', { class: 'state', testid: 'member-state', 'data-state': m.state, text: m.state })]),
    el('td', { class: 'cell-links', 'data-label': 'links' }, [links.length === 0
      ? el('span', { class: 'none', text: room.members.length === 1 ? 'no room mates' : 'none reported yet' })
      : el('span', { class: 'links' }, links.map(([mate, path]) => el('span', { class: 'link', testid: 'member-link', 'data-mate': mate, 'data-path': path }, [
        nameOf.get(mate) ?? shortId(mate), pathBadge(path),
      ])))]),
    el('td', { class: 'cell-kick' }, [kick]),
  ]);
}
