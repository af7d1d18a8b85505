/** The peer list (path badge, RTT, ICE state per link) and a small live map of the room. */
import type { PeerState } from '../client/room.ts';
import { el, shortId } from './dom.ts';

export const PATH_LABEL: Record<string, string> = { direct: 'direct', turn: 'TURN', relay: 'hub relay', connecting: 'connecting', star: 'via server peer' };

export function renderPeers(list: HTMLElement, peers: PeerState[]): void {
  list.replaceChildren(...(peers.length === 0
    ? [el('li', { class: 'empty', text: 'Nobody else is here yet.' })]
    : peers.map((p) => el('li', { testid: 'peer-entry', 'data-peer-id': p.peerId, 'data-name': p.name, class: 'peer' }, [
      el('span', { class: 'peer-name', text: p.name || shortId(p.peerId) }),
      p.role === 'server' ? el('span', { class: 'role', text: 'server' }) : null,
      el('span', { testid: 'path-badge', 'data-path': p.path, class: `badge path-${p.path}`, text: PATH_LABEL[p.path] ?? p.path }),
      el('span', { testid: 'rtt', class: 'rtt', text: p.rttMs === undefined ? '…' : `${Math.round(p.rttMs)} ms` }),
      el('span', { testid: 'ice-state', class: 'ice', text: `ICE ${p.iceState}` }),
    ]))));
}

const SVG = 'http://www.w3.org/2000/svg';
const PATH_COLOR: Record<string, string> = { direct: '#1a7f37', turn: '#9a6700', relay: '#cf222e', connecting: '#8c959f', star: '#8250df' };

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/** You in the middle, every peer on a circle, each link coloured by its path. */
export function renderMap(map: SVGSVGElement, selfName: string, peers: PeerState[]): void {
  const size = 220;
  const centre = size / 2;
  const radius = size / 2 - 34;
  map.setAttribute('viewBox', `0 0 ${size} ${size}`);
  const nodes: SVGElement[] = [];
  peers.forEach((p, i) => {
    const angle = (2 * Math.PI * i) / Math.max(1, peers.length) - Math.PI / 2;
    const x = centre + radius * Math.cos(angle);
    const y = centre + radius * Math.sin(angle);
    const line = svg('line', { x1: centre, y1: centre, x2: x, y2: y, stroke: PATH_COLOR[p.path] ?? '#8c959f', 'stroke-width': 3 });
    line.dataset.testid = 'map-link';
    line.dataset.path = p.path;
    nodes.unshift(line);
    nodes.push(svg('circle', { cx: x, cy: y, r: 12, fill: '#ffffff', stroke: '#57606a', 'stroke-width': 2 }));
    const label = svg('text', { x, y: y + 26, 'text-anchor': 'middle', 'font-size': 11 });
    label.textContent = p.name || shortId(p.peerId);
    nodes.push(label);
  });
  nodes.push(svg('circle', { cx: centre, cy: centre, r: 14, fill: '#0969da' }));
  const me = svg('text', { x: centre, y: centre + 30, 'text-anchor': 'middle', 'font-size': 11, 'font-weight': 'bold' });
  me.textContent = selfName || 'you';
  nodes.push(me);
  map.replaceChildren(...nodes);
}
