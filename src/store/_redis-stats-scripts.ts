/**
 * The Lua scripts of the statistics in Redis (`redis-stats.ts`): adding a minute's
 * observations, moving a followed visitor on once across instances, and reading buckets back.
 */

/**
 * Adds one minute's observations: a list of operations, each a code and its arguments.
 * KEYS: bucket, its ids, unattended, agents, status changes, the track (`T`).
 * ARGV: bucket ttl, keep (ms), now, `(other)`, keys per bucket, ids per bucket, status
 * changes kept, then the operations:
 * `i field n` add; `k kind name field n` add to a trigger's (`t`) or page's (`p`) counter,
 * past the bound to `(other)`'s; `c id` a conversation id; `g at n name value …` a capacity
 * sample (`''` for unknown); `s agent status json` a status, logged if it changed;
 * `T n field value …` a new track; `U at id` assigned, no reply yet.
 * Answers the conversations unattended after it.
 */
export const ADD = `
local bucket, ids, unattended, agents, status, track = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local keep, now = tonumber(ARGV[2]), tonumber(ARGV[3])
local other, maxKeys, maxIds, maxStatus = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local i = 8
local statuses = false
while i <= #ARGV do
  local op = ARGV[i]
  if op == 'i' then
    redis.call('HINCRBY', bucket, ARGV[i + 1], ARGV[i + 2])
    i = i + 3
  elseif op == 'k' then
    local kind, name = ARGV[i + 1], ARGV[i + 2]
    if redis.call('HEXISTS', bucket, kind .. ':' .. name) == 0 then
      if tonumber(redis.call('HGET', bucket, kind .. '#') or '0') < maxKeys then
        redis.call('HINCRBY', bucket, kind .. '#', 1)
      else
        name = other
      end
      redis.call('HSET', bucket, kind .. ':' .. name, 1)
    end
    redis.call('HINCRBY', bucket, kind .. '.' .. name .. '.' .. ARGV[i + 3], ARGV[i + 4])
    i = i + 5
  elseif op == 'c' then
    if redis.call('LLEN', ids) < maxIds then redis.call('RPUSH', ids, ARGV[i + 1]) end
    redis.call('PEXPIRE', ids, ARGV[1])
    i = i + 2
  elseif op == 'g' then
    local at, n = tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
    local latest = at >= tonumber(redis.call('HGET', bucket, 'g@') or '-1')
    redis.call('ZREMRANGEBYSCORE', unattended, '-inf', now - keep)
    local maxFields, set = {}, {}
    for j = 0, n - 1 do maxFields[j + 1] = 'G.' .. ARGV[i + 3 + 2 * j] end
    local maxes = redis.call('HMGET', bucket, unpack(maxFields))
    for j = 0, n - 1 do
      local name, value = ARGV[i + 3 + 2 * j], ARGV[i + 4 + 2 * j]
      if name == 'unattended' then value = tostring(redis.call('ZCARD', unattended)) end
      if latest then
        set[#set + 1] = 'g.' .. name
        set[#set + 1] = value
      end
      if value ~= '' and (not maxes[j + 1] or tonumber(value) > tonumber(maxes[j + 1])) then
        set[#set + 1] = maxFields[j + 1]
        set[#set + 1] = value
      end
    end
    if latest then
      set[#set + 1] = 'g@'
      set[#set + 1] = at
    end
    if #set > 0 then redis.call('HSET', bucket, unpack(set)) end
    redis.call('HINCRBY', bucket, 'samples', 1)
    i = i + 3 + 2 * n
  elseif op == 's' then
    if redis.call('HGET', agents, ARGV[i + 1]) ~= ARGV[i + 2] then
      redis.call('HSET', agents, ARGV[i + 1], ARGV[i + 2])
      redis.call('LPUSH', status, ARGV[i + 3])
      redis.call('LTRIM', status, 0, maxStatus - 1)
    end
    statuses = true
    i = i + 4
  elseif op == 'T' then
    local n = tonumber(ARGV[i + 1])
    if redis.call('EXISTS', track) == 0 then
      for j = 0, n - 1 do redis.call('HSET', track, ARGV[i + 2 + 2 * j], ARGV[i + 3 + 2 * j]) end
      redis.call('PEXPIRE', track, keep)
    end
    i = i + 2 + 2 * n
  elseif op == 'U' then
    redis.call('ZADD', unattended, ARGV[i + 1], ARGV[i + 2])
    redis.call('PEXPIRE', unattended, keep)
    i = i + 3
  else
    return redis.error_reply('unknown operation ' .. op)
  end
end
redis.call('PEXPIRE', bucket, ARGV[1])
if statuses then
  redis.call('PEXPIRE', agents, keep)
  redis.call('PEXPIRE', status, keep)
end
return redis.call('ZCARD', unattended)
`;

/**
 * Moves a visitor's track on, once across instances: `opened` (the promise), `assigned`,
 * `firstReply` each set their field only if unset, and the promise is judged by whichever
 * call finds both the promise and the assignment first; `ended` takes the track away.
 * KEYS: track, unattended. ARGV: step, value, conversation id, keep (ms).
 * Answers nil when there is nothing to do, else `{judge now (0/1), the track's fields}`.
 */
export const STEP = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local step, judge = ARGV[1], 0
if step == 'ended' then
  local fields = redis.call('HGETALL', KEYS[1])
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[3])
  return {0, fields}
elseif step == 'opened' then
  if redis.call('HSETNX', KEYS[1], 'promised', ARGV[2]) == 0 then return false end
  if redis.call('HEXISTS', KEYS[1], 'assignedAt') == 1 then
    judge = redis.call('HSETNX', KEYS[1], 'judged', 1)
  end
elseif step == 'assigned' then
  if redis.call('HSETNX', KEYS[1], 'assignedAt', ARGV[2]) == 0 then return false end
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
  if redis.call('HEXISTS', KEYS[1], 'promised') == 1 then
    judge = redis.call('HSETNX', KEYS[1], 'judged', 1)
  end
elseif step == 'firstReply' then
  if redis.call('HEXISTS', KEYS[1], 'assignedAt') == 0 then return false end
  if redis.call('HSETNX', KEYS[1], 'firstReplyAt', ARGV[2]) == 0 then return false end
  redis.call('ZREM', KEYS[2], ARGV[3])
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {judge, redis.call('HGETALL', KEYS[1])}
`;

/**
 * Reads buckets and their ids (KEYS: bucket, ids, bucket, ids, …) as one JSON text of
 * `[[fields and values…], [ids…]]` per minute: one string to decode instead of hundreds of
 * replies per bucket (2.5 times faster for 24 hours).
 */
export const READ = `
local out = {}
for i = 1, #KEYS, 2 do
  out[#out + 1] = { redis.call('HGETALL', KEYS[i]), redis.call('LRANGE', KEYS[i + 1], 0, -1) }
end
return cjson.encode(out)
`;
