/**
 * The Redis side of the bus: key and channel names, and the Lua scripts that change membership and
 * sessions atomically (two hubs admitting the last seat of a room at once cannot both succeed: Redis runs
 * one script at a time). Keys are built inside the scripts from the prefix, so this needs one Redis (or a
 * primary with replicas), not Redis Cluster. docs/operations.md, "Running several hubs", lists every key.
 *
 * A room hash holds its members by peer id (their PeerInfo JSON) and counters under fields starting with
 * `#`, which no peer id (a UUID) does: `#n` peers (role peer), `#c` members, `#s` the server peer's id,
 * `#v` the version of the last change. Versions come from one counter for all rooms, so a room that closes
 * and opens again never reuses one, and each hub's copy of a room applies events newer than its copy only.
 */

/** Names of keys and channels under a prefix. */
export class RedisNames {
  constructor(readonly prefix: string) {}
  room = (room: string) => `${this.prefix}room:${room}`;
  session = (peerId: string) => `${this.prefix}session:${peerId}`;
  hub = (hubId: string) => `${this.prefix}hub:${hubId}`;
  hubSessions = (hubId: string) => `${this.prefix}hub:${hubId}:sessions`;
  reaping = (hubId: string) => `${this.prefix}reap:${hubId}`;
  /** Per-address counts, a field per hub (address-scripts.ts), and the address keys a hub has fields in. */
  address = (key: string) => `${this.prefix}addr:${key}`;
  hubAddresses = (hubId: string) => `${this.prefix}hub:${hubId}:addrs`;
  get hubs() { return `${this.prefix}hubs`; }
  get openRooms() { return `${this.prefix}open`; }
  get epoch() { return `${this.prefix}epoch`; }
  /** Membership events (J, L) and frames to every member (B) of one room: hubs with members subscribe. */
  roomChannel = (room: string) => `${this.prefix}c:room:${room}`;
  /** Frames to one peer (F) and handover markers (H): the hub holding the peer subscribes. */
  peerChannel = (peerId: string) => `${this.prefix}c:peer:${peerId}`;
  /** Handover answers (R) to one hub. */
  hubChannel = (hubId: string) => `${this.prefix}c:hub:${hubId}`;
  /** Rooms opening, closing and offered again (O, C): hubs with watchers (server peers) subscribe. */
  get roomsChannel() { return `${this.prefix}c:rooms`; }
}

/** Shared Lua: the session's owner check. A session another hub took over is not this one's to change. */
const OWNER_CHECK = `
local function owned_by(sk, hub)
  local owner = redis.call('HGET', sk, 'hub')
  return (not owner) or owner == hub
end`;

/**
 * join(prefix, room, peerId, memberJson, role, maxPeers, maxRooms, hub, tokenHash, address, serverPeer, force)
 * (serverPeer: '0' a peer, '1' a server peer, '2' a server peer that watches rooms)
 * -> {'ok', version, opened, othersJson[]} | {refusal}. `force` (re-registering after Redis lost data)
 * skips the limits. A member already present is left as it is (no event).
 */
export const JOIN = `${OWNER_CHECK}
local P, room, id, mjson, role = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local maxPeers, maxRooms = tonumber(ARGV[6]), tonumber(ARGV[7])
local hub, th, addr, sp, force = ARGV[8], ARGV[9], ARGV[10], ARGV[11], ARGV[12] == '1'
local rk, sk = P .. 'room:' .. room, P .. 'session:' .. id
if not owned_by(sk, hub) then return {'moved'} end
local present = redis.call('HEXISTS', rk, id) == 1
local opened = false
local v
if present then
  v = tonumber(redis.call('HGET', rk, '#v') or '0')
else
  local n = tonumber(redis.call('HGET', rk, '#n') or '0')
  if not force then
    if redis.call('EXISTS', rk) == 0 and redis.call('SCARD', P .. 'rooms') >= maxRooms then return {'hub-full'} end
    if role == 'server' then
      local s = redis.call('HGET', rk, '#s')
      if s and s ~= id then return {'room-served'} end
    elseif n >= maxPeers then
      return {'room-full'}
    end
  end
  redis.call('HSET', rk, id, mjson)
  if role == 'server' then
    redis.call('HSET', rk, '#s', id)
  else
    opened = redis.call('HINCRBY', rk, '#n', 1) == 1
    redis.call('SADD', P .. 'open', room)
  end
  redis.call('HINCRBY', rk, '#c', 1)
  v = redis.call('INCR', P .. 'version')
  redis.call('HSET', rk, '#v', v)
  redis.call('SADD', P .. 'rooms', room)
  redis.call('PUBLISH', P .. 'c:room:' .. room, 'J' .. v .. ' ' .. mjson)
  if opened then redis.call('PUBLISH', P .. 'c:rooms', 'O' .. hub .. ' ' .. room) end
end
local old = redis.call('HGET', sk, 'token')
if old and old ~= th then redis.call('DEL', P .. 'token:' .. old) end
redis.call('HSET', sk, 'hub', hub, 'token', th, 'addr', addr, 'sp', sp, 'r:' .. room, '1')
redis.call('SET', P .. 'token:' .. th, id)
redis.call('SADD', P .. 'hub:' .. hub .. ':sessions', id)
local all = redis.call('HGETALL', rk)
local others = {}
for i = 1, #all, 2 do
  local f = all[i]
  if string.sub(f, 1, 1) ~= '#' and f ~= id then others[#others + 1] = all[i + 1] end
end
return {'ok', v, opened and 1 or 0, others}`;

/**
 * leave(prefix, room, peerId, ownerHub, originHub) -> {memberJson, closed, reoffered} | {} when the peer
 * was not a member | {'moved'} when its session now belongs to a hub other than ownerHub.
 */
export const LEAVE = `${OWNER_CHECK}
local P, room, id, ownerHub, origin = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local rk, sk = P .. 'room:' .. room, P .. 'session:' .. id
if not owned_by(sk, ownerHub) then return {'moved'} end
redis.call('HDEL', sk, 'r:' .. room)
local m = redis.call('HGET', rk, id)
if not m then return {} end
redis.call('HDEL', rk, id)
local role = cjson.decode(m).role
local n = tonumber(redis.call('HGET', rk, '#n') or '0')
if role == 'server' then
  if redis.call('HGET', rk, '#s') == id then redis.call('HDEL', rk, '#s') end
else
  n = redis.call('HINCRBY', rk, '#n', -1)
end
local c = redis.call('HINCRBY', rk, '#c', -1)
local v = redis.call('INCR', P .. 'version')
redis.call('PUBLISH', P .. 'c:room:' .. room, 'L' .. v .. ' ' .. id)
if c <= 0 then
  redis.call('DEL', rk)
  redis.call('SREM', P .. 'rooms', room)
else
  redis.call('HSET', rk, '#v', v)
end
local closed = role ~= 'server' and n <= 0
local reoffered = role == 'server' and n > 0
if closed then
  redis.call('SREM', P .. 'open', room)
  redis.call('PUBLISH', P .. 'c:rooms', 'C' .. origin .. ' ' .. room)
end
if reoffered then redis.call('PUBLISH', P .. 'c:rooms', 'O' .. origin .. ' ' .. room) end
return {m, closed and 1 or 0, reoffered and 1 or 0}`;

/** forget(prefix, peerId, ownerHub) -> 1 when the session's record was removed. */
export const FORGET = `${OWNER_CHECK}
local P, id, ownerHub = ARGV[1], ARGV[2], ARGV[3]
local sk = P .. 'session:' .. id
if redis.call('EXISTS', sk) == 0 or not owned_by(sk, ownerHub) then return 0 end
local th = redis.call('HGET', sk, 'token')
if th then redis.call('DEL', P .. 'token:' .. th) end
redis.call('DEL', sk)
redis.call('SREM', P .. 'hub:' .. ownerHub .. ':sessions', id)
return 1`;

/** rotate(prefix, peerId, hub, newTokenHash): the session's resume token changed on its hub. */
export const ROTATE = `${OWNER_CHECK}
local P, id, hub, th = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local sk = P .. 'session:' .. id
if redis.call('EXISTS', sk) == 0 or not owned_by(sk, hub) then return 0 end
local old = redis.call('HGET', sk, 'token')
if old then redis.call('DEL', P .. 'token:' .. old) end
redis.call('HSET', sk, 'token', th)
redis.call('SET', P .. 'token:' .. th, id)
return 1`;

/**
 * claim(prefix, tokenHash, newHub, newTokenHash) -> {peerId, previousHub, previousAlive, address,
 * serverPeer, rooms[]} | {}. The token works once: a second resume with it finds nothing.
 */
export const CLAIM = `
local P, th, hub, nth = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local id = redis.call('GET', P .. 'token:' .. th)
if not id then return {} end
local sk = P .. 'session:' .. id
local s = redis.call('HGETALL', sk)
if #s == 0 then return {} end
local f = {}
for i = 1, #s, 2 do f[s[i]] = s[i + 1] end
local old = f['hub']
if old == hub then return {} end
redis.call('DEL', P .. 'token:' .. th)
redis.call('SET', P .. 'token:' .. nth, id)
redis.call('HSET', sk, 'hub', hub, 'token', nth)
redis.call('SREM', P .. 'hub:' .. old .. ':sessions', id)
redis.call('SADD', P .. 'hub:' .. hub .. ':sessions', id)
local rooms = {}
for k, _ in pairs(f) do
  if string.sub(k, 1, 2) == 'r:' then rooms[#rooms + 1] = string.sub(k, 3) end
end
return {id, old, redis.call('EXISTS', P .. 'hub:' .. old), f['addr'] or '', f['sp'] or '0', rooms}`;
