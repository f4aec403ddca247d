-- String building: interpolate a CSV-like line per user, then split, replace, upper and join it.
-- Lua has no split or plain replace: both written here with plain (non-pattern) find.
local function split(s, sep)
    local out, start = {}, 1
    while true do
        local a, b = string.find(s, sep, start, true)
        if not a then out[#out + 1] = string.sub(s, start); return out end
        out[#out + 1] = string.sub(s, start, a - 1)
        start = b + 1
    end
end
local function replace(s, old, new)
    return table.concat(split(s, old), new)
end

local total = 0
local line = ""
for i = 0, 500000 - 1 do
    local name = "user" .. i
    line = name .. "," .. string.upper(name) .. "," .. name .. "@example.com,team-" .. (i % 12)
    local fields = split(line, ",")
    local login = replace(fields[3], "@example.com", "@corp.example")
    total = total + #line + #login + #table.concat(fields, ";")
end
print(total .. " " .. line)
