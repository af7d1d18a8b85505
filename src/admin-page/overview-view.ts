/**
 * The top of the dashboard from GET /admin/api/stats: links by path (the figure that says whether NAT
 * traversal works), connections and messages/s over the last minutes, and the hub's own numbers.
 */
import { LINK_PATHS } from '../protocol/index.ts';
import { byTestId, el } from '../page/dom.ts';
import { PATH_LABEL } from '../page/peers-view.ts';
import type { StatsAnswer } from './admin-client.ts';
import { pathBadge } from './rooms-view.ts';
import { chartCaption, formatSpan, renderSparkline, type Point } from './sparkline.ts';

export function renderOverview(stats: StatsAnswer): void {
  renderLinks(stats);
  renderChart('connections', stats.history.map((s) => ({ at: s.at, value: s.connections })), String(stats.connections), '');
  const messages = stats.history.map((s) => ({ at: s.at, value: s.messagesPerSecond }));
  renderChart('messages', messages, messages.length === 0 ? '–' : String(messages.at(-1)!.value), '/s');
  byTestId('draining-badge').hidden = !stats.draining;
  byTestId<HTMLButtonElement>('drain-button').disabled = stats.draining;
  const figures: [string, string][] = [ // (the node's name is in the header)
    ['uptime', formatSpan(stats.uptimeSeconds * 1000)],
    ['connections', String(stats.connections)],
    ['sessions', `${stats.peers}${stats.absent > 0 ? ` (${stats.absent} in grace)` : ''}`],
    ['rooms', String(stats.rooms)],
  ];
  byTestId('hub-figures').replaceChildren(...figures.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { testid: `figure-${k}`, text: v })]));
}

function renderLinks(stats: StatsAnswer): void {
  const counts = LINK_PATHS.map((path) => ({ path, n: stats.links[path] ?? 0 }));
  const total = counts.reduce((sum, c) => sum + c.n, 0);
  byTestId('link-counts').replaceChildren(...counts.map(({ path, n }) =>
    el('div', { class: 'link-count', testid: `link-count-${path}`, 'data-count': n }, [el('span', { class: 'n', text: n }), pathBadge(path)])));
  byTestId('link-bar').replaceChildren(...counts.filter((c) => c.n > 0).map(({ path, n }) => {
    const part = el('span', { class: `path-${path}`, title: `${PATH_LABEL[path]}: ${n}` });
    part.style.width = `${(100 * n) / total}%`; // CSSOM, which the page's CSP allows (a style attribute it would not)
    return part;
  }));
  const p2p = stats.links.direct + stats.links.turn;
  const settled = total - stats.links.connecting;
  byTestId('p2p-share').textContent = total === 0
    ? 'No links between room mates yet.'
    : `${p2p} of ${settled} link${settled === 1 ? '' : 's'} peer to peer (direct or TURN)${settled > 0 ? `: ${Math.round((100 * p2p) / settled)}%` : ''}` +
      `${stats.links.star > 0 ? `; ${stats.links.star} via the server peer` : ''}. Each link counted once, as its clients report it.`;
}

function renderChart(name: 'connections' | 'messages', points: Point[], now: string, unit: string): void {
  renderSparkline(byTestId(`chart-${name}`) as unknown as SVGSVGElement, points);
  byTestId(`${name}-now`).textContent = now;
  byTestId(`chart-${name}-caption`).textContent = chartCaption(points, unit);
}
