-- JSON: encode 30,000 member records as one document and as one line each, parse both back,
-- total what was read, and encode the result again.
-- Lua has no JSON module: a small codec follows, enough for this data (no floats, no
-- surrogate pairs). Lua tables keep no key order, so an object's keys are kept on the side
-- (JSON objects keep theirs in roster and python3), and null is a sentinel (nil ends a table).
local NULL = {}
local key_order = setmetatable({}, {__mode = "k"})
local function object(keys, t) key_order[t] = keys; return t end

local escapes = {['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t", ["\b"] = "\\b", ["\f"] = "\\f"}
local function escape(c) return escapes[c] or string.format("\\u%04x", c:byte()) end
local function encode_string(s)
    if not s:find('[%z\1-\31"\\]') then return '"' .. s .. '"' end
    return '"' .. s:gsub('[%z\1-\31"\\]', escape) .. '"'
end

local function encode_into(v, out)
    local t = type(v)
    if v == NULL then out[#out + 1] = "null"
    elseif t == "boolean" or t == "number" then out[#out + 1] = tostring(v)
    elseif t == "string" then out[#out + 1] = encode_string(v)
    elseif key_order[v] then
        out[#out + 1] = "{"
        for i, k in ipairs(key_order[v]) do
            if i > 1 then out[#out + 1] = "," end
            out[#out + 1] = encode_string(k)
            out[#out + 1] = ":"
            encode_into(v[k], out)
        end
        out[#out + 1] = "}"
    else
        out[#out + 1] = "["
        for i, x in ipairs(v) do
            if i > 1 then out[#out + 1] = "," end
            encode_into(x, out)
        end
        out[#out + 1] = "]"
    end
end
local function to_json(v)
    local out = {}
    encode_into(v, out)
    return table.concat(out)
end

local unescapes = {['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t"}
local QUOTE, BACKSLASH, COMMA, COLON = 34, 92, 44, 58
local LBRACE, RBRACE, LBRACKET, RBRACKET = 123, 125, 91, 93
local function from_json(s)
    local pos = 1
    local function fail(what) error(string.format("invalid JSON at byte %d: %s", pos, what)) end
    -- The byte of the next non-blank character, pos at it.
    local function peek()
        pos = s:find("[^ \t\r\n]", pos) or #s + 1
        return s:byte(pos)
    end
    local function str()
        local parts, i = {}, pos + 1
        while true do
            local j = s:find('["\\]', i) or fail("unterminated string")
            if s:byte(j) == QUOTE and #parts == 0 then pos = j + 1; return s:sub(i, j - 1) end
            parts[#parts + 1] = s:sub(i, j - 1)
            if s:byte(j) == QUOTE then pos = j + 1; return table.concat(parts) end
            local c = s:sub(j + 1, j + 1)
            if c == "u" then
                parts[#parts + 1] = utf8.char(tonumber(s:sub(j + 2, j + 5), 16))
                i = j + 6
            else
                parts[#parts + 1] = unescapes[c] or fail("bad escape")
                i = j + 2
            end
        end
    end
    local function value()
        local b = peek()
        if b == LBRACE then
            local t, keys = {}, {}
            pos = pos + 1
            if peek() == RBRACE then pos = pos + 1; return object(keys, t) end
            while true do
                if peek() ~= QUOTE then fail("expected a key") end
                local k = str()
                if peek() ~= COLON then fail("expected ':'") end
                pos = pos + 1
                if t[k] == nil then keys[#keys + 1] = k end
                t[k] = value()
                b = peek()
                pos = pos + 1
                if b == RBRACE then return object(keys, t) end
                if b ~= COMMA then fail("expected ',' or '}'") end
            end
        elseif b == LBRACKET then
            local t = {}
            pos = pos + 1
            if peek() == RBRACKET then pos = pos + 1; return t end
            while true do
                t[#t + 1] = value()
                b = peek()
                pos = pos + 1
                if b == RBRACKET then return t end
                if b ~= COMMA then fail("expected ',' or ']'") end
            end
        elseif b == QUOTE then return str()
        elseif s:find("^true", pos) then pos = pos + 4; return true
        elseif s:find("^false", pos) then pos = pos + 5; return false
        elseif s:find("^null", pos) then pos = pos + 4; return NULL
        else
            local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos) or fail("unexpected character")
            pos = pos + #num
            return math.tointeger(tonumber(num)) or tonumber(num)
        end
    end
    local v = value()
    if peek() then fail("trailing characters") end
    return v
end

local MEMBER = {"id", "email", "admin", "manager", "roles", "profile"}
local PROFILE = {"name", "logins"}
local members = {}
for i = 0, 30000 - 1 do
    members[#members + 1] = object(MEMBER, {
        id = i,
        email = "user" .. i .. "@example.com",
        admin = i % 9 == 0,
        manager = i % 4 == 0 and NULL or i // 4,
        roles = {"reader", "team-" .. (i % 7)},
        profile = object(PROFILE, {name = 'User "' .. i .. '"', logins = i * 37 % 1000}),
    })
end
local doc = to_json(members)
local lines = {}
for _, m in ipairs(members) do lines[#lines + 1] = to_json(m) end

local parsed = from_json(doc)
local admins, logins = 0, 0
for _, m in ipairs(parsed) do
    if m.admin then admins = admins + 1 end
    logins = logins + m.profile.logins + #m.roles
end
local managed = 0
for _, line in ipairs(lines) do
    local m = from_json(line)
    if m.manager ~= NULL then managed = managed + 1 end
end
local summary = to_json(object({"count", "admins", "logins", "managed", "last"},
    {count = #parsed, admins = admins, logins = logins, managed = managed, last = parsed[#parsed]}))
print(#doc .. " " .. admins .. " " .. logins .. " " .. managed)
print(summary)
