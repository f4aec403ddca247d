# CSV: read 200,000 member rows (path in the first argument), count and total logins by team and role.
import csv
import sys

counts = {}
logins = {}
countries = {}
with open(sys.argv[1], newline="") as f:
    for row in csv.DictReader(f):
        key = f"{row['team']}/{row['role']}"
        counts[key] = counts.get(key, 0) + 1
        logins[key] = logins.get(key, 0) + int(row["logins"])
        countries[row["country"]] = countries.get(row["country"], 0) + 1
for key in sorted(counts):
    print(key, counts[key], logins[key])
for c in sorted(countries):
    print(c, countries[c])
