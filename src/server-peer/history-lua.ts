/**
 * The Lua scripts of the Redis history store (redis-history-store.ts), each one atomic step.
 *
 * HISTORY_PUSH_LUA keeps one broadcast in a room's history: it appends the entry
 * to the room's stream and drops the oldest entries until the stream holds at most maxItems entries and
 * maxBytes of data, then gives both keys the TTL.
 *
 * Why trimming here and not XADD MAXLEN: MAXLEN bounds the count only, and any member chooses what is
 * kept, so the bytes must be bounded too; this needs the size of each entry it drops, which MAXLEN does
 * not tell. Why exact and not `~`: `~` keeps whole stream nodes (up to 100 entries), so a late joiner
 * would get up to 100 broadcasts more than historySize. Each entry is dropped once, so a push costs O(1)
 * entries dropped on average, and reading an entry copies at most maxBytes.
 *
 * KEYS[1]: the stream; KEYS[2]: the bytes its entries hold (data only), kept beside it so that a push
 * does not read the stream to know; recounted from the stream if it went missing (evicted).
 * ARGV: maxItems, maxBytes, ttlMs, from, at (ms), kind ('s' text, 'b' binary), data.
 * Entry fields, in this order: f (from), t (at), k (kind), d (data): d is the 8th value of an entry.
 * Returns the entries the stream holds.
 */
export const HISTORY_PUSH_LUA = `
local stream, counter = KEYS[1], KEYS[2]
local maxItems, maxBytes, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local data = ARGV[7]
if #data > maxBytes or maxItems < 1 then return -1 end
local len = redis.call('XLEN', stream)
local held = 0
if len > 0 then
  held = tonumber(redis.call('GET', counter))
  if held == nil then
    held = 0
    for _, entry in ipairs(redis.call('XRANGE', stream, '-', '+')) do held = held + #(entry[2][8] or '') end
  end
end
redis.call('XADD', stream, '*', 'f', ARGV[4], 't', ARGV[5], 'k', ARGV[6], 'd', data)
len = len + 1
held = held + #data
while len > maxItems or held > maxBytes do
  local oldest = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)[1]
  if oldest == nil then held = 0; break end
  held = held - #(oldest[2][8] or '')
  redis.call('XDEL', stream, oldest[1])
  len = len - 1
end
redis.call('SET', counter, held, 'PX', ttl)
redis.call('PEXPIRE', stream, ttl)
return len
`;

/**
 * The history for one member, unless it already had it: KEYS[1] the stream, KEYS[2] the set of members
 * that had it (from whichever server peer) and have been in the room since. ARGV: peerId, ttlMs.
 * Returns the stream's entries, or none when the member was in the set.
 */
export const HISTORY_REPLAY_LUA = `
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return {} end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return redis.call('XRANGE', KEYS[1], '-', '+')
`;

/**
 * Forgets the members of KEYS[1] (the set above) that are not among ARGV (the room's members now): those
 * that left while no server peer served the room. Returns the members kept.
 */
export const HISTORY_PRESENT_LUA = `
local present = {}
for i = 1, #ARGV do present[ARGV[i]] = true end
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if not present[id] then redis.call('SREM', KEYS[1], id) end
end
return redis.call('SCARD', KEYS[1])
`;

/** Gives every key in KEYS the TTL ARGV[1] (ms); a key that does not exist stays so. */
export const HISTORY_EXPIRE_LUA = `
for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, ARGV[1]) end
return #KEYS
`;
