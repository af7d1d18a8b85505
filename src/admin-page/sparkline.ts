/**
 * Small line charts as inline SVG, no chart library: time on x (the samples' own timestamps, so a gap in
 * sampling shows as a gap in time), 0..max on y. The SVG is stretched to its box (preserveAspectRatio
 * none); the line keeps its width through vector-effect in the stylesheet.
 */
import { svg } from '../page/peers-view.ts';

export interface Point {
  /** ms since the epoch */
  at: number;
  value: number;
}

const WIDTH = 300;
const HEIGHT = 60;
/** Room above the highest value, so a flat line at the maximum is not drawn on the edge. */
const HEADROOM = 1.15;

/** The polyline's points in a WIDTH x HEIGHT box; a single sample is drawn as a flat line. */
export function sparklinePoints(points: Point[]): string {
  if (points.length === 0) return '';
  const first = points[0]!.at;
  const span = points.at(-1)!.at - first;
  const top = Math.max(1, ...points.map((p) => p.value)) * HEADROOM;
  const y = (v: number) => round(HEIGHT - (Math.max(0, v) / top) * HEIGHT);
  if (span <= 0) return `0,${y(points[0]!.value)} ${WIDTH},${y(points[0]!.value)}`;
  return points.map((p) => `${round(((p.at - first) / span) * WIDTH)},${y(p.value)}`).join(' ');
}

export function renderSparkline(chart: SVGSVGElement, points: Point[]): void {
  chart.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  chart.dataset.points = String(points.length);
  const line = sparklinePoints(points);
  const base = svg('line', { class: 'base', x1: 0, y1: HEIGHT, x2: WIDTH, y2: HEIGHT });
  if (line === '') return void chart.replaceChildren(base);
  const start = line.split(' ')[0]!.split(',')[0];
  const end = line.split(' ').at(-1)!.split(',')[0];
  const area = svg('polygon', { class: 'area', points: `${start},${HEIGHT} ${line} ${end},${HEIGHT}` });
  const polyline = svg('polyline', { class: 'line', points: line });
  polyline.dataset.testid = 'sparkline';
  chart.replaceChildren(base, area, polyline);
}

/** "max 12 · last 4 min" under a chart. */
export function chartCaption(points: Point[], unit = ''): string {
  if (points.length === 0) return 'no samples yet';
  const max = Math.max(...points.map((p) => p.value));
  return `max ${max}${unit} · last ${formatSpan(points.at(-1)!.at - points[0]!.at)}`;
}

export function formatSpan(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 90) return `${s} s`;
  const min = Math.round(s / 60);
  return min < 90 ? `${min} min` : `${Math.floor(min / 60)} h ${min % 60} min`;
}

const round = (n: number) => Math.round(n * 10) / 10;
