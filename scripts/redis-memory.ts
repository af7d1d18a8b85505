/**
 * Redis memory per room and per peer (docs/operations.md, Running several hubs): one hub on a fresh
 * redis-server (redis-server on PATH), ROOMS rooms of PEERS peers joined by raw WebSocket clients.
 *   node --import tsx scripts/redis-memory.ts 100 10
 */
import { spawn } from 'node:child_process';
import WebSocket from 'ws';
import { Redis } from 'ioredis';
import { createHub } from '../src/hub/index.ts';
const port = 17000 + Math.floor(Math.random() * 1000);
const redisProc = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 300));
const url = `redis://127.0.0.1:${port}`;
const r = new Redis(url);
const hub = createHub({ port: 0, host: '127.0.0.1', redisUrl: url, logLevel: 'warn', maxConnectionsPerAddress: 100000, maxSessionsPerAddress: 100000, connectionsPerSecondPerAddress: 100000, connectionBurstPerAddress: 100000, joinsPerSecondPerAddress: 100000, joinBurstPerAddress: 100000 });
const { port: hp } = await hub.listen();
const used = async () => Number(/used_memory:(\d+)/.exec(await r.info('memory'))![1]);
const ROOMS = Number(process.argv[2] ?? 100), PEERS = Number(process.argv[3] ?? 10);
await new Promise((res) => setTimeout(res, 500));
const before = await used();
const sockets: WebSocket[] = [];
for (let room = 0; room < ROOMS; room++) {
  await Promise.all(Array.from({ length: PEERS }, () => new Promise<void>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${hp}/ws`);
    sockets.push(ws);
    ws.on('message', (d) => {
      const m = JSON.parse(String(d));
      if (m.type === 'welcome') ws.send(JSON.stringify({ type: 'join', room: `room-number-${room}`, name: 'peer-name' }));
      if (m.type === 'joined') resolve();
    });
  })));
}
const after = await used();
const peers = ROOMS * PEERS;
const sid = (await r.smembers('rw:hub:' + (await r.smembers('rw:hubs'))[0] + ':sessions'))[0]!;
const roomKey = await r.memory('USAGE', 'rw:room:room-number-0', 'SAMPLES', 0);
const sessKey = await r.memory('USAGE', `rw:session:${sid}`, 'SAMPLES', 0);
const tok = await r.hget(`rw:session:${sid}`, 'token');
const tokKey = await r.memory('USAGE', `rw:token:${tok}`, 'SAMPLES', 0);
console.log(JSON.stringify({ rooms: ROOMS, peersPerRoom: PEERS, totalBytes: after - before, perPeer: Math.round((after - before) / peers), roomHashBytes: roomKey, sessionHashBytes: sessKey, tokenKeyBytes: tokKey, keys: await r.dbsize() }));
for (const ws of sockets) ws.terminate();
await hub.close();
r.disconnect();
redisProc.kill();
process.exit(0);
