# Integer arithmetic: a running sum and a rolling hash over 3,000,000 integers.
total = 0
h = 17
for i in range(3000000):
    total += i % 7 * 3 + i // 5 - i % 3
    h = (h * 31 + i) % 1000000007
print(total, h)
