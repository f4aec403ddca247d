# Lists: build 1,000,000 pseudo-random integers, read them back by index, sum and sort them.
xs = []
for i in range(1000000):
    xs.append((i * 7919 + 13) % 100003)
weighted = 0
for i in range(len(xs)):
    weighted += xs[i] * (i % 3) - xs[-1 - i % 100]
s = sorted(xs)
pairs = []
for i in range(len(s) // 1000):
    pairs.append([i, s[i * 1000]])
print(sum(xs), weighted, len(pairs))
print(s[0], s[len(s) // 2], s[-1], pairs[-1][1])
