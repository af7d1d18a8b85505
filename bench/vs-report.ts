/** The lines `npm run bench -- --only vs` prints for bench/vs-peerjs.ts, with issue 15's goals beside the ratios. */
import { availableParallelism } from 'node:os';
import { median } from './hub-relay.ts';
import type { IdleRound, RelayRound, VsResult } from './vs-peerjs.ts';
import { KINDS, LABELS, ROOM_SIZE, type Kind } from './vs-servers.ts';

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const kib = (bytes: number) => `${fmt(bytes / 1024, 1)} KiB`;
const mib = (bytes: number) => `${fmt(bytes / 1024 / 1024, 0)} MiB`;
const us = (seconds: number) => `${fmt(seconds * 1e6, 1)} µs`;
const ratio = (x: number, y: number) => `${(x / y).toFixed(2)}x`;

function relayLines(r: VsResult): string[] {
  const o = r.options;
  const m = (k: Kind, pick: (x: RelayRound) => number) => median(r.relay[k].map(pick));
  const rate = (k: Kind) => m(k, (x) => x.rate);
  const cpu = (k: Kind) => m(k, (x) => x.cpuPerMessage);
  return [
    `relay: a ~250 B ICE candidate A -> server -> B in each server's protocol, ${fmt(o.window)} in flight, ${fmt(o.count)} a round, ${o.rounds} rounds`,
    ...KINDS.map((k) => `  ${LABELS[k].padEnd(14)} ${r.relay[k].map((x) => fmt(x.rate)).join(', ')} msg/s -> median ${fmt(rate(k))}; ` +
      `server CPU ${us(cpu(k))}/msg (${r.relay[k].map((x) => fmt(x.cpuPerMessage * 1e6, 1)).join(', ')})`),
    `  ratio roomwire / peerjs-server: ${ratio(rate('roomwire'), rate('peerjs'))} (goal >= 1.30x); roomwire / bare: ${ratio(rate('roomwire'), rate('bare'))} (goal >= 1.10x)`,
    `  the same in server CPU per message (peerjs-server / roomwire): ${ratio(cpu('peerjs'), cpu('roomwire'))}; bare / roomwire: ${ratio(cpu('bare'), cpu('roomwire'))}`,
  ];
}

function idleLines(r: VsResult): string[] {
  const o = r.options;
  const m = (k: Kind, pick: (x: IdleRound) => number) => median(r.idle[k].map(pick));
  const rss = (k: Kind) => m(k, (x) => x.rssPerConnection);
  const fromNone = (k: Kind) => m(k, (x) => x.rssPerConnectionFromEmpty);
  const secs = (k: Kind) => m(k, (x) => x.seconds);
  const cpu = (k: Kind) => m(k, (x) => x.cpuPerConnection);
  return [
    `idle: ${fmt(o.idle)} connections a server (roomwire: each joined to a room of ${ROOM_SIZE}; peerjs-server: each holding an id; bare: open),`,
    `  ${o.concurrency} opening at a time from ${o.addresses} addresses, a fresh server each round, ${o.idleRounds} rounds (medians);`,
    `  memory after forced GC once idle (roomwire: after the heartbeat that frees the frames kept for resume),`,
    `  at N/2 and N: per connection = growth from N/2 to N (and from none, fixed costs included); live heap = heapUsed + external`,
    `  server          RSS/conn N/2->N (rounds)        from none  live heap/conn  idle RSS   connect+join (rounds)          server CPU/conn`,
    ...KINDS.map((k) => `  ${LABELS[k].padEnd(14)}  ${kib(rss(k)).padStart(8)} (${r.idle[k].map((x) => fmt(x.rssPerConnection / 1024, 1)).join(', ')})`.padEnd(50) +
      `${kib(fromNone(k)).padStart(9)}  ${kib(m(k, (x) => x.heapPerConnection)).padStart(12)}  ${mib(m(k, (x) => x.idleRss)).padStart(8)}   ` +
      `${fmt(secs(k), 2)} s (${r.idle[k].map((x) => fmt(x.seconds, 2)).join(', ')})`.padEnd(31) + `${us(cpu(k)).padStart(9)}`),
    `  RSS per connection: roomwire / bare ${ratio(rss('roomwire'), rss('bare'))} (goal <= 1.10x); roomwire / peerjs-server ${ratio(rss('roomwire'), rss('peerjs'))} (goal < 1.00x)`,
    `    from none: roomwire / bare ${ratio(fromNone('roomwire'), fromNone('bare'))}; roomwire / peerjs-server ${ratio(fromNone('roomwire'), fromNone('peerjs'))}`,
    `  connect+join time: roomwire / peerjs-server ${ratio(secs('roomwire'), secs('peerjs'))} (goal <= 1.00x); roomwire / bare ${ratio(secs('roomwire'), secs('bare'))}`,
    `    in server CPU: roomwire / peerjs-server ${ratio(cpu('roomwire'), cpu('peerjs'))}; roomwire / bare ${ratio(cpu('roomwire'), cpu('bare'))}`,
  ];
}

export function reportVs(r: VsResult): string[] {
  return [
    `roomwire vs peerjs-server vs a bare ws relay: one driver, each server its own process, the order rotating each round`,
    `  load average ${r.load.start} at the start, ${r.load.end} at the end, on ${availableParallelism()} cores`,
    ...relayLines(r),
    ...idleLines(r),
  ];
}
