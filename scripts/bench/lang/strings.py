# String building: interpolate a CSV-like line per user, then split, replace, upper and join it.
total = 0
line = ""
for i in range(500000):
    name = f"user{i}"
    line = f"{name},{name.upper()},{name}@example.com,team-{i % 12}"
    fields = line.split(",")
    login = fields[2].replace("@example.com", "@corp.example")
    total += len(line) + len(login) + len(";".join(fields))
print(total, line)
