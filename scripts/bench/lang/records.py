# Records: build 200,000 user records, update fields over three passes, then total by team.
users = []
for i in range(200000):
    users.append({"id": i, "name": f"user{i}", "team": f"team{i % 7}", "logins": 0, "active": True, "tags": []})
for p in range(3):
    for i in range(len(users)):
        users[i]["logins"] += (i // 3 + i * p) % 5
        if users[i]["logins"] > 9:
            users[i]["active"] = False
            users[i]["tags"].append("busy")
logins = {}
active = {}
for u in users:
    logins[u["team"]] = logins.get(u["team"], 0) + u["logins"]
    if u["active"]:
        active[u["team"]] = active.get(u["team"], 0) + 1
for team in logins:
    print(team, logins[team], active.get(team, 0))
last = users[-1]
print(last["name"], last["logins"], str(last["active"]).lower(), len(last["tags"]))
