/**
 * The Lua scripts of the per-address limits across hubs (address-ledger.ts). Keys, built from the prefix:
 *
 *   addr:<address key>       hash: one field per hub and counter, `c:<hubId>` (open WebSockets) and
 *                            `s:<hubId>` (sessions), holding that hub's count; a field at 0 is removed, and
 *                            the hash with its last field
 *   hub:<hubId>:addrs        set: the address keys the hub has fields in (the reaper removes a dead hub's)
 *
 * Each hub changes only its own fields. A take sums the counter's fields of the live hubs (their liveness
 * key `hub:<hubId>` exists) and this one: a dead hub's sockets are gone, and its sessions either resumed
 * elsewhere (counted there) or wait for the reaper, so neither holds places once its key expired.
 */

/**
 * take(prefix, address, counter, hub, max) -> 1 when the place was taken, 0 when the address holds `max`
 * across the live hubs. max < 0 counts the place without a limit.
 */
export const ADDRESS_TAKE = `
local P, addr, kind, hub, max = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local ak = P .. 'addr:' .. addr
if max >= 0 then
  local all = redis.call('HGETALL', ak)
  local pre = kind .. ':'
  local sum = 0
  for i = 1, #all, 2 do
    local f = all[i]
    if string.sub(f, 1, #pre) == pre then
      local h = string.sub(f, #pre + 1)
      if h == hub or redis.call('EXISTS', P .. 'hub:' .. h) == 1 then sum = sum + tonumber(all[i + 1]) end
    end
  end
  if sum >= max then return 0 end
end
redis.call('HINCRBY', ak, kind .. ':' .. hub, 1)
redis.call('SADD', P .. 'hub:' .. hub .. ':addrs', addr)
return 1`;

/** release(prefix, address, counter, hub): one place fewer; the address leaves the hub's index at 0 of both. */
export const ADDRESS_RELEASE = `
local P, addr, kind, hub = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local ak = P .. 'addr:' .. addr
local f = kind .. ':' .. hub
if redis.call('HINCRBY', ak, f, -1) <= 0 then redis.call('HDEL', ak, f) end
if redis.call('HEXISTS', ak, 'c:' .. hub) == 0 and redis.call('HEXISTS', ak, 's:' .. hub) == 0 then
  redis.call('SREM', P .. 'hub:' .. hub .. ':addrs', addr)
end
return 1`;

/**
 * sync(prefix, hub, address1, connections1, sessions1, ...): makes the hub's fields say what it holds,
 * and removes its fields for addresses not listed (after Redis was away, or lost its data).
 */
export const ADDRESS_SYNC = `
local P, hub = ARGV[1], ARGV[2]
local ik = P .. 'hub:' .. hub .. ':addrs'
local listed = {}
for i = 3, #ARGV, 3 do
  local addr, c, s = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  listed[addr] = true
  local ak = P .. 'addr:' .. addr
  if c > 0 then redis.call('HSET', ak, 'c:' .. hub, c) else redis.call('HDEL', ak, 'c:' .. hub) end
  if s > 0 then redis.call('HSET', ak, 's:' .. hub, s) else redis.call('HDEL', ak, 's:' .. hub) end
  redis.call('SADD', ik, addr)
end
for _, addr in ipairs(redis.call('SMEMBERS', ik)) do
  if not listed[addr] then
    redis.call('HDEL', P .. 'addr:' .. addr, 'c:' .. hub, 's:' .. hub)
    redis.call('SREM', ik, addr)
  end
end
return 1`;

/** forgetHub(prefix, deadHub) -> how many addresses it had fields in: removes them all, and its index. */
export const ADDRESS_FORGET_HUB = `
local P, hub = ARGV[1], ARGV[2]
local ik = P .. 'hub:' .. hub .. ':addrs'
local addrs = redis.call('SMEMBERS', ik)
for _, addr in ipairs(addrs) do redis.call('HDEL', P .. 'addr:' .. addr, 'c:' .. hub, 's:' .. hub) end
redis.call('DEL', ik)
return #addrs`;
