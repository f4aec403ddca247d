-- Integer arithmetic: a running sum and a rolling hash over 3,000,000 integers.
local total = 0
local h = 17
for i = 0, 3000000 - 1 do
    total = total + i % 7 * 3 + i // 5 - i % 3
    h = (h * 31 + i) % 1000000007
end
print(total .. " " .. h)
