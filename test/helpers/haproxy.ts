/**
 * A real load balancer (Debian's /usr/sbin/haproxy) in front of hubs, as an operator runs one: round robin,
 * no stickiness (roomwire is WebSocket only), from a generated config on a free port. With a health path,
 * haproxy asks each hub for it every `checkIntervalMs` and takes a hub that fails twice out of rotation.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { outputRead, poll, running, signalAndWait } from './child-exit.ts';
import { freePort } from './coturn.ts';

export const HAPROXY = '/usr/sbin/haproxy';
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 3_000;
const BACKEND = 'hubs';

export interface HaproxyBackend {
  name: string;
  port: number;
}

export interface HaproxyOptions {
  backends: HaproxyBackend[];
  /** `option httpchk GET <healthPath>` (a hub's is /readyz); none: no checks, a dead hub stays in rotation. */
  healthPath?: string;
  /** Ms between health checks (also while a hub is down). */
  checkIntervalMs?: number;
  /** Connections haproxy holds at once (each also uses one to its backend). */
  maxConnections?: number;
  /** Retry a failed connect on another hub (default true; false only to show what it saves). */
  redispatch?: boolean;
}

/** One server's line of `show stat`: `status` UP, DOWN, "UP 1/2" (going down), "no check", MAINT... */
export interface ServerStat {
  status: string;
  /** The last check's result: L7OK, L7STS (bad HTTP status), L4CON (refused), L4TOUT... ('' without checks). */
  checkStatus: string;
  /** Its HTTP status, when it got one. */
  checkCode: string;
  /** Sessions haproxy sent it so far (WebSockets included). */
  sessionsTotal: number;
}

/** The config haproxy runs with. Every line has its reason: the lead's docs example starts from here. */
export function haproxyConfig(o: HaproxyOptions & { port: number; statsSocket: string }): string {
  const check = o.healthPath === undefined ? '' : ' check';
  return [
    'global',
    `  maxconn ${o.maxConnections ?? 4096}`,
    // the runtime API, for show stat: which hub is UP, what its last check said
    `  stats socket ${o.statsSocket} mode 600 level admin`,
    'defaults',
    '  mode http',
    // loopback refuses at once; a short connect timeout also keeps haproxy's wait before a retry short
    '  timeout connect 1s',
    '  timeout client 30s',
    '  timeout server 30s',
    // an upgraded WebSocket lives under this one, not under client/server (hubs ping every 5 s anyway)
    '  timeout tunnel 1h',
    '  timeout http-request 5s',
    // a connect that fails (a hub just killed, not yet marked DOWN) is retried, each time on another hub
    '  retries 3',
    ...(o.redispatch === false ? [] : ['  option redispatch 1']),
    // the client's address, for the hub's per-address limits (hub option trustedProxies 127.0.0.1)
    '  option forwardfor',
    'frontend roomwire',
    `  bind 127.0.0.1:${o.port}`,
    `  default_backend ${BACKEND}`,
    `backend ${BACKEND}`,
    // no cookie, no stick table: any hub serves any client
    '  balance roundrobin',
    ...(o.healthPath === undefined ? [] : [
      `  option httpchk GET ${o.healthPath}`,
      '  http-check expect status 200',
      // two failed checks take a hub out, one good one puts it back
      `  default-server inter ${o.checkIntervalMs ?? 300}ms fall 2 rise 1`,
    ]),
    ...o.backends.map((b) => `  server ${b.name} 127.0.0.1:${b.port}${check}`),
    '',
  ].join('\n');
}

export class Haproxy {
  /** What haproxy printed: its warnings and alerts, server state changes among them. */
  log = '';
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly dir: string,
    readonly configFile: string,
    private readonly statsSocket: string,
  ) {}

  static async start(options: HaproxyOptions): Promise<Haproxy> {
    if (options.backends.length === 0) throw new Error('haproxy needs at least one backend');
    const dir = mkdtempSync(join(tmpdir(), 'roomwire-haproxy-'));
    const port = await freePort();
    const statsSocket = join(dir, 'admin.sock');
    const configFile = join(dir, 'haproxy.cfg');
    writeFileSync(configFile, haproxyConfig({ ...options, port, statsSocket }));
    const checked = spawnSync(HAPROXY, ['-c', '-f', configFile], { encoding: 'utf8', timeout: START_TIMEOUT_MS });
    if (checked.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`haproxy rejects its config (${checked.error?.message ?? `exit ${checked.status}`}):\n${checked.stdout}${checked.stderr}`);
    }
    // -db: foreground, no daemon; its own process, so stop() ends it
    const child = spawn(HAPROXY, ['-f', configFile, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const proxy = new Haproxy(child, port, dir, configFile, statsSocket);
    child.stdout!.on('data', (d) => (proxy.log += d));
    child.stderr!.on('data', (d) => (proxy.log += d));
    child.on('error', (err) => (proxy.log += `\nspawn ${HAPROXY}: ${err.message}\n`));
    try {
      await poll(async () => {
        if (child.pid === undefined || !running(child)) {
          await outputRead(child);
          throw new Error(`haproxy ended before listening on ${port} (exit ${child.exitCode ?? child.signalCode}):\n${proxy.log}`);
        }
        return (await accepts(port)) ? true : undefined;
      }, () => `haproxy did not listen on ${port}:\n${proxy.log}`, START_TIMEOUT_MS);
    } catch (err) {
      await proxy.stop();
      throw err;
    }
    return proxy;
  }

  /** ws://127.0.0.1:PORT/path (a hub's signaling path by default). */
  url(path = '/ws'): string {
    return `ws://127.0.0.1:${this.port}${path}`;
  }

  httpUrl(path = '/'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Each backend server's state, by name, from the runtime API's `show stat`. */
  async servers(): Promise<Record<string, ServerStat>> {
    const csv = await this.command('show stat');
    const [header, ...rows] = csv.trim().split('\n');
    const columns = header!.replace(/^# /, '').split(',');
    const at = (row: string[], name: string) => row[columns.indexOf(name)] ?? '';
    const servers: Record<string, ServerStat> = {};
    for (const row of rows.map((r) => r.split(','))) {
      if (at(row, 'pxname') !== BACKEND || at(row, 'svname') === 'BACKEND') continue;
      servers[at(row, 'svname')] = {
        status: at(row, 'status'), checkStatus: at(row, 'check_status'), checkCode: at(row, 'check_code'), sessionsTotal: Number(at(row, 'stot')),
      };
    }
    return servers;
  }

  /** Waits until server `name`'s status is `status` (UP, DOWN, ...); returns its stat line. */
  async untilServer(name: string, status: string, timeoutMs = 5_000): Promise<ServerStat> {
    let last: ServerStat | undefined;
    return poll(async () => {
      last = (await this.servers())[name];
      return last?.status === status ? last : undefined;
    }, () => `haproxy server ${name} is not ${status}: ${JSON.stringify(last)}\n${this.log}`, timeoutMs);
  }

  /** SIGTERM (haproxy's immediate stop), and the temp dir gone. Idempotent. */
  async stop(): Promise<void> {
    if (this.child.pid !== undefined) await signalAndWait(this.child, 'SIGTERM', STOP_TIMEOUT_MS);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** One runtime API command on the stats socket, and its whole answer (haproxy closes after it). */
  private command(line: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.statsSocket);
      let answer = '';
      const timer = setTimeout(() => socket.destroy(new Error(`haproxy did not answer "${line}"`)), 2_000);
      socket.on('connect', () => socket.write(line + '\n'));
      socket.on('data', (d) => (answer += d));
      socket.on('end', () => {
        clearTimeout(timer);
        resolve(answer);
      });
      socket.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }
}

/** Whether something accepts a TCP connection on 127.0.0.1:port now. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
