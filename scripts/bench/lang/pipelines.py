# Pipelines over 200,000 member records: where, select, each, sort, first and count.
roles = ["admin", "member", "reader", "owner"]
members = []
for i in range(200000):
    members.append({
        "id": i,
        "email": f"user{i}@example.com",
        "team": f"team{i % 13}",
        "role": roles[i * 7 % 4],
        "age": 20 + i * 31 % 45,
        "last_seen": i * 7919 % 200003,
    })
admins = sum(1 for m in members if m["role"] == "admin")
stale = sum(1 for m in members if m["last_seen"] < 20000 and m["role"] != "owner")
ages = sum(m["age"] for m in members if m["team"] == "team3")
recent = sorted(({"email": m["email"], "last_seen": m["last_seen"]} for m in members if m["age"] > 60),
                key=lambda m: m["last_seen"], reverse=True)[:3]
oldest = sorted(members, key=lambda m: m["age"], reverse=True)[0]
logins = sorted(f"{m['email']}:{m['team']}" for m in members if m["role"] == "reader")[:2]
print(admins, stale, ages, oldest["email"])
for m in recent:
    print(m["email"], m["last_seen"])
print(logins[0], logins[1])
