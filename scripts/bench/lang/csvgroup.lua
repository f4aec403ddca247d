-- CSV: read 200,000 member rows (path in the first argument), count and total logins by team and role.
-- Lua has no CSV reader: fields are split at commas (the generated file has no quoting).
local function fields(line)
    local out = {}
    for f in string.gmatch(line, "([^,]*)") do out[#out + 1] = f end
    return out
end

local counts, logins, countries = {}, {}, {}
local file = assert(io.open(arg[1]))
local header = fields(file:read("l"))
for line in file:lines() do
    local values, row = fields(line), {}
    for i, name in ipairs(header) do row[name] = values[i] end
    local key = row.team .. "/" .. row.role
    counts[key] = (counts[key] or 0) + 1
    logins[key] = (logins[key] or 0) + math.tointeger(tonumber(row.logins))
    countries[row.country] = (countries[row.country] or 0) + 1
end
file:close()

local function sorted_keys(t)
    local ks = {}
    for k in pairs(t) do ks[#ks + 1] = k end
    table.sort(ks)
    return ks
end
for _, key in ipairs(sorted_keys(counts)) do print(key .. " " .. counts[key] .. " " .. logins[key]) end
for _, c in ipairs(sorted_keys(countries)) do print(c .. " " .. countries[c]) end
