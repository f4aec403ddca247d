-- Lists: build 1,000,000 pseudo-random integers, read them back by index, sum and sort them.
-- Lua lists are 1-based: index i + 1 stands for the others' i.
local xs = {}
for i = 0, 1000000 - 1 do
    xs[#xs + 1] = (i * 7919 + 13) % 100003
end
local weighted = 0
for i = 0, #xs - 1 do
    weighted = weighted + xs[i + 1] * (i % 3) - xs[#xs - i % 100]
end
local s = table.move(xs, 1, #xs, 1, {})
table.sort(s)
local pairs = {}
for i = 0, #s // 1000 - 1 do
    pairs[#pairs + 1] = {i, s[i * 1000 + 1]}
end
local total = 0
for _, x in ipairs(xs) do total = total + x end
print(total .. " " .. weighted .. " " .. #pairs)
print(s[1] .. " " .. s[#s // 2 + 1] .. " " .. s[#s] .. " " .. pairs[#pairs][2])
