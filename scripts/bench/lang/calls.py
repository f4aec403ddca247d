# Calls: naive recursive fib(31), then closures (an adder and a counter) called 1,000,000 times each.
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)

def make_adder(k):
    def add(x):
        return x + k
    return add

def make_counter():
    n = 0
    def next(step):
        nonlocal n
        n += step
        return n
    return next

print(fib(31))
add7 = make_adder(7)
tick = make_counter()
total = 0
for i in range(1000000):
    total = add7(total) % 1000003
    tick(i % 3)
print(total, tick(0))
