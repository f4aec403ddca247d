-- Calls: naive recursive fib(31), then closures (an adder and a counter) called 1,000,000 times each.
local function fib(n)
    if n < 2 then return n end
    return fib(n - 1) + fib(n - 2)
end
local function make_adder(k)
    return function(x) return x + k end
end
local function make_counter()
    local n = 0
    return function(step)
        n = n + step
        return n
    end
end
print(fib(31))
local add7 = make_adder(7)
local tick = make_counter()
local total = 0
for i = 0, 1000000 - 1 do
    total = add7(total) % 1000003
    tick(i % 3)
end
print(total .. " " .. tick(0))
