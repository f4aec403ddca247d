-- Pipelines over 200,000 member records: where, select, each, sort, first and count.
-- Lua has no pipeline stages: each is a plain loop filling a table.
local roles = {"admin", "member", "reader", "owner"}
local members = {}
for i = 0, 200000 - 1 do
    members[#members + 1] = {
        id = i,
        email = "user" .. i .. "@example.com",
        team = "team" .. (i % 13),
        role = roles[i * 7 % 4 + 1],
        age = 20 + i * 31 % 45,
        last_seen = i * 7919 % 200003,
    }
end
local admins, stale, ages = 0, 0, 0
for _, m in ipairs(members) do
    if m.role == "admin" then admins = admins + 1 end
end
for _, m in ipairs(members) do
    if m.last_seen < 20000 and m.role ~= "owner" then stale = stale + 1 end
end
for _, m in ipairs(members) do
    if m.team == "team3" then ages = ages + m.age end
end
-- last_seen values are distinct, so an unstable sort gives the same order.
local recent = {}
for _, m in ipairs(members) do
    if m.age > 60 then recent[#recent + 1] = {email = m.email, last_seen = m.last_seen} end
end
table.sort(recent, function(a, b) return a.last_seen > b.last_seen end)
-- A stable sort by age, descending, as roster's and python3's are: ties keep the id order.
local oldest = table.move(members, 1, #members, 1, {})
table.sort(oldest, function(a, b) return a.age > b.age or (a.age == b.age and a.id < b.id) end)
oldest = oldest[1]
local logins = {}
for _, m in ipairs(members) do
    if m.role == "reader" then logins[#logins + 1] = m.email .. ":" .. m.team end
end
table.sort(logins)
print(admins .. " " .. stale .. " " .. ages .. " " .. oldest.email)
for i = 1, 3 do print(recent[i].email .. " " .. recent[i].last_seen) end
print(logins[1] .. " " .. logins[2])
