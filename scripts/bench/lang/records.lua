-- Records: build 200,000 user records, update fields over three passes, then total by team.
local users = {}
for i = 0, 200000 - 1 do
    users[#users + 1] = {id = i, name = "user" .. i, team = "team" .. (i % 7), logins = 0, active = true, tags = {}}
end
for pass = 0, 2 do
    for i = 1, #users do
        local u = users[i]
        u.logins = u.logins + ((i - 1) // 3 + (i - 1) * pass) % 5
        if u.logins > 9 then
            u.active = false
            u.tags[#u.tags + 1] = "busy"
        end
    end
end
-- Lua tables keep no key order: remember the teams in the order first seen.
local logins, active, teams = {}, {}, {}
for _, u in ipairs(users) do
    if logins[u.team] == nil then teams[#teams + 1] = u.team end
    logins[u.team] = (logins[u.team] or 0) + u.logins
    if u.active then active[u.team] = (active[u.team] or 0) + 1 end
end
for _, team in ipairs(teams) do
    print(team .. " " .. logins[team] .. " " .. (active[team] or 0))
end
local last = users[#users]
print(last.name .. " " .. last.logins .. " " .. tostring(last.active) .. " " .. #last.tags)
