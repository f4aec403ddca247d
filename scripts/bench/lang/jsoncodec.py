# JSON: encode 30,000 member records as one document and as one line each, parse both back,
# total what was read, and encode the result again.
import json

def to_json(v):
    return json.dumps(v, separators=(",", ":"))  # compact, as roster's to_json writes

members = []
for i in range(30000):
    members.append({
        "id": i,
        "email": f"user{i}@example.com",
        "admin": i % 9 == 0,
        "manager": None if i % 4 == 0 else i // 4,
        "roles": ["reader", f"team-{i % 7}"],
        "profile": {"name": f'User "{i}"', "logins": i * 37 % 1000},
    })
doc = to_json(members)
lines = [to_json(m) for m in members]

parsed = json.loads(doc)
admins = 0
logins = 0
for m in parsed:
    if m["admin"]:
        admins += 1
    logins += m["profile"]["logins"] + len(m["roles"])
managed = 0
for line in lines:
    m = json.loads(line)
    if m["manager"] is not None:
        managed += 1
summary = to_json({"count": len(parsed), "admins": admins, "logins": logins, "managed": managed, "last": parsed[-1]})
print(len(doc), admins, logins, managed)
print(summary)
