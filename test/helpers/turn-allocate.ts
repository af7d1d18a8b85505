/**
 * A minimal TURN client (RFC 8656 Allocate with long-term credentials, RFC 8489 §9.2) over UDP: enough
 * to ask a real coturn whether it accepts a username/credential pair.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';

const MAGIC_COOKIE = 0x2112a442;
const ALLOCATE_REQUEST = 0x0003;
const ALLOCATE_SUCCESS = 0x0103;
const ATTR = { username: 0x0006, messageIntegrity: 0x0008, errorCode: 0x0009, realm: 0x0014, nonce: 0x0015, requestedTransport: 0x0019 };
const UDP = 17;

function attribute(type: number, value: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(value.length, 2);
  const padding = Buffer.alloc((4 - (value.length % 4)) % 4);
  return Buffer.concat([header, value, padding]);
}

function message(type: number, transactionId: Buffer, attributes: Buffer[], integrityKey?: Buffer): Buffer {
  let body = Buffer.concat(attributes);
  const header = Buffer.alloc(20);
  header.writeUInt16BE(type, 0);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(header, 8);
  if (integrityKey !== undefined) {
    // The length covers MESSAGE-INTEGRITY (24 bytes) while the HMAC is computed (RFC 8489 §14.5).
    header.writeUInt16BE(body.length + 24, 2);
    const hmac = createHmac('sha1', integrityKey).update(Buffer.concat([header, body])).digest();
    body = Buffer.concat([body, attribute(ATTR.messageIntegrity, hmac)]);
  }
  header.writeUInt16BE(body.length, 2);
  return Buffer.concat([header, body]);
}

interface Parsed {
  type: number;
  attrs: Map<number, Buffer>;
}

function parse(packet: Buffer): Parsed {
  const attrs = new Map<number, Buffer>();
  const length = packet.readUInt16BE(2);
  for (let i = 20; i + 4 <= 20 + length;) {
    const type = packet.readUInt16BE(i);
    const len = packet.readUInt16BE(i + 2);
    attrs.set(type, packet.subarray(i + 4, i + 4 + len));
    i += 4 + len + ((4 - (len % 4)) % 4);
  }
  return { type: packet.readUInt16BE(0), attrs };
}

function errorCode(p: Parsed): number | undefined {
  const v = p.attrs.get(ATTR.errorCode);
  return v === undefined ? undefined : v[2]! * 100 + v[3]!;
}

export type TurnOutcome = { ok: true } | { ok: false; errorCode: number | undefined };

const CREATE_PERMISSION_REQUEST = 0x0008;
const CREATE_PERMISSION_SUCCESS = 0x0108;
const XOR_PEER_ADDRESS = 0x0012;
const REQUESTED_ADDRESS_FAMILY = 0x0017;

/** XOR-PEER-ADDRESS (RFC 8489 §14.2) for an IPv4 or IPv6 address, port 9. */
function xorPeerAddress(ip: string, transactionId: Buffer): Buffer {
  const port = 9;
  const cookie = Buffer.alloc(4);
  cookie.writeUInt32BE(MAGIC_COOKIE);
  const v4 = /^\d+\.\d+\.\d+\.\d+$/.test(ip);
  const address = v4 ? Buffer.from(ip.split('.').map(Number)) : ipv6Bytes(ip);
  const mask = v4 ? cookie : Buffer.concat([cookie, transactionId]);
  const value = Buffer.alloc(4 + address.length);
  value[1] = v4 ? 0x01 : 0x02;
  value.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 2);
  for (let i = 0; i < address.length; i++) value[4 + i] = address[i]! ^ mask[i]!;
  return attribute(XOR_PEER_ADDRESS, value);
}

function ipv6Bytes(ip: string): Buffer {
  let text = ip;
  const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4Tail) {
    const b = v4Tail[1]!.split('.').map(Number);
    text = text.slice(0, -v4Tail[1]!.length) + `${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/**
 * One TURN client on one UDP socket (an allocation belongs to its 5-tuple): allocate with long-term
 * credentials, then ask for permissions to peers.
 */
export class TurnClient {
  private readonly socket;
  private auth: { key: Buffer; realm: Buffer; nonce: Buffer; username: string } | undefined;

  constructor(private readonly host: string, private readonly port: number) {
    this.socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  }

  /** @param family the relayed address family (RFC 8656 §18.10): IPv6 relays reach IPv6 peers. */
  async allocate(username: string, password: string, family: 4 | 6 = 4): Promise<TurnOutcome> {
    const transport = Buffer.concat([
      attribute(ATTR.requestedTransport, Buffer.from([UDP, 0, 0, 0])),
      ...(family === 6 ? [attribute(REQUESTED_ADDRESS_FAMILY, Buffer.from([0x02, 0, 0, 0]))] : []),
    ]);
    // 1. Unauthenticated: the server answers 401 with its realm and a nonce.
    const challenge = await this.exchange(message(ALLOCATE_REQUEST, randomBytes(12), [transport]));
    const realm = challenge.attrs.get(ATTR.realm);
    const nonce = challenge.attrs.get(ATTR.nonce);
    if (errorCode(challenge) !== 401 || realm === undefined || nonce === undefined) return { ok: false, errorCode: errorCode(challenge) };
    // 2. With long-term credentials: key = MD5(username ":" realm ":" password).
    const key = createHash('md5').update(`${username}:${realm.toString()}:${password}`).digest();
    this.auth = { key, realm, nonce, username };
    const answer = await this.exchange(message(ALLOCATE_REQUEST, randomBytes(12), [transport, ...this.credentials()], key));
    return answer.type === ALLOCATE_SUCCESS ? { ok: true } : { ok: false, errorCode: errorCode(answer) };
  }

  /** CreatePermission for one peer address (after a successful allocate). */
  async permit(peerIp: string): Promise<TurnOutcome> {
    if (this.auth === undefined) throw new Error('allocate first');
    const transactionId = randomBytes(12);
    const answer = await this.exchange(message(CREATE_PERMISSION_REQUEST, transactionId, [xorPeerAddress(peerIp, transactionId), ...this.credentials()], this.auth.key));
    return answer.type === CREATE_PERMISSION_SUCCESS ? { ok: true } : { ok: false, errorCode: errorCode(answer) };
  }

  close(): void {
    this.socket.close();
  }

  private credentials(): Buffer[] {
    const a = this.auth!;
    return [attribute(ATTR.username, Buffer.from(a.username)), attribute(ATTR.realm, a.realm), attribute(ATTR.nonce, a.nonce)];
  }

  private exchange(packet: Buffer): Promise<Parsed> {
    return new Promise<Parsed>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from TURN server ${this.host}:${this.port}`)), 3_000);
      this.socket.once('message', (reply) => {
        clearTimeout(timer);
        resolve(parse(reply));
      });
      this.socket.send(packet, this.port, this.host);
    });
  }
}

/** Tries an Allocate on host:port with the given credentials. */
export async function tryAllocate(host: string, port: number, username: string, password: string): Promise<TurnOutcome> {
  const client = new TurnClient(host, port);
  try {
    return await client.allocate(username, password);
  } finally {
    client.close();
  }
}
