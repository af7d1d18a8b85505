/**
 * Where a server's heap grew between two V8 heap snapshots (.heapsnapshot, as v8.writeHeapSnapshot writes
 * them): the kinds of object (constructor or V8 type) whose total self size grew most, per connection, each
 * with the objects that hold them most often (retainer kind and edge). Used by `npm run bench:scale -- --heap`.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

interface Group {
  count: number;
  bytes: number;
}

export interface HeapGrowth {
  kind: string;
  count: number;
  bytes: number;
  /** The most frequent holders of these objects: `holder kind.edge` and how many edges. */
  retainers: { via: string; count: number }[];
}

/** A node's kind: its constructor name for objects, else V8's type (every string is `string`, all code `code`). */
function kindOf(type: string, name: string): string {
  if (type === 'object' || type === 'native') return name;
  if (type === 'closure') return `closure ${name || '(anonymous)'}`;
  if (type === 'array' || type === 'hidden' || type === 'object shape') return `(${type}) ${name}`.slice(0, 60);
  return `(${type})`;
}

class Parsed {
  readonly kinds: string[] = [];
  readonly groups = new Map<string, Group>();
  constructor(readonly s: Snapshot) {
    const { node_fields: f, node_types: [types] } = s.snapshot.meta;
    const [typeAt, nameAt, sizeAt] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size')];
    for (let i = 0; i < s.nodes.length; i += f.length) {
      const kind = kindOf(types[s.nodes[i + typeAt]!]!, s.strings[s.nodes[i + nameAt]!]!);
      this.kinds.push(kind);
      const g = this.groups.get(kind) ?? { count: 0, bytes: 0 };
      g.count++;
      g.bytes += s.nodes[i + sizeAt]!;
      this.groups.set(kind, g);
    }
  }

  /** For each kind in `wanted`, how often each `holder.edge` points at one of its objects (weak edges aside). */
  retainers(wanted: Set<string>): Map<string, Map<string, number>> {
    const { node_fields: nf, edge_fields: ef, edge_types: [edgeTypes] } = this.s.snapshot.meta;
    const [countAt, typeAt, nameAt, toAt] = [nf.indexOf('edge_count'), ef.indexOf('type'), ef.indexOf('name_or_index'), ef.indexOf('to_node')];
    const tallies = new Map<string, Map<string, number>>();
    let edge = 0;
    for (let node = 0; node < this.kinds.length; node++) {
      const holder = this.kinds[node]!;
      for (let e = this.s.nodes[node * nf.length + countAt]!; e > 0; e--, edge += ef.length) {
        const target = this.kinds[this.s.edges[edge + toAt]! / nf.length]!;
        const type = edgeTypes[this.s.edges[edge + typeAt]!]!;
        if (!wanted.has(target) || type === 'weak') continue;
        const name = type === 'element' || type === 'hidden' ? '[]' : this.s.strings[this.s.edges[edge + nameAt]!];
        const via = `${holder}.${name}`;
        const tally = tallies.get(target) ?? new Map<string, number>();
        tally.set(via, (tally.get(via) ?? 0) + 1);
        tallies.set(target, tally);
      }
    }
    return tallies;
  }
}

const load = (path: string) => new Parsed(JSON.parse(readFileSync(path, 'utf8')) as Snapshot);

/** The `top` kinds whose self size grew most from `beforePath` to `afterPath`. */
export function heapGrowth(beforePath: string, afterPath: string, top = 15, retainersEach = 3): HeapGrowth[] {
  const before = load(beforePath).groups;
  const after = load(afterPath);
  const grown = [...after.groups].map(([kind, g]) => {
    const b = before.get(kind) ?? { count: 0, bytes: 0 };
    return { kind, count: g.count - b.count, bytes: g.bytes - b.bytes };
  }).sort((x, y) => y.bytes - x.bytes).slice(0, top);
  const tallies = after.retainers(new Set(grown.map((g) => g.kind)));
  return grown.map((g) => ({
    ...g,
    retainers: [...(tallies.get(g.kind) ?? [])].map(([via, count]) => ({ via, count })).sort((x, y) => y.count - x.count).slice(0, retainersEach),
  }));
}
