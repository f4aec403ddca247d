"""Losant instance API tokens through the official SDK (losant-rest 2.3.0) against `roster serve`.

Run by scripts/conformance/run.sh with the server's URL. The SDK returns plain dicts and raises
LosantError (with .status and .data) for any status of 400 or more.
"""
import sys

from losant_rest import Client, LosantError

INSTANCE = "5f0000000000000000000001"


def expect_error(status, call):
    try:
        call()
    except LosantError as e:
        assert e.status == status, (e.status, e.data)
        assert isinstance(e.data, dict) and "type" in e.data and "message" in e.data, e.data
        return e
    raise AssertionError(f"expected LosantError {status}")


def main(url):
    admin = Client(auth_token="losant-sandbox-all", url=url)
    reader = Client(auth_token="losant-sandbox-read", url=url)

    # Every page, zero-based, to the last: nothing repeated or lost.
    seen, page = [], 0
    while True:
        batch = admin.instance_api_tokens.get(instanceId=INSTANCE, perPage=2, page=page)
        seen += [t["id"] for t in batch["items"]]
        if (page + 1) * batch["perPage"] >= batch["totalCount"]:
            break
        page += 1
    assert len(seen) == len(set(seen)) == batch["totalCount"] == 5, seen

    for field in ["name", "status", "id", "creationDate", "lastUpdated", "expirationDate"]:
        for direction in ["asc", "desc"]:
            items = admin.instance_api_tokens.get(instanceId=INSTANCE, sortField=field, sortDirection=direction)["items"]
            keys = [t.get(field, "") for t in items]
            assert len(keys) == 5, (field, direction, keys)
            assert keys == sorted(keys, reverse=direction == "desc"), (field, direction, keys)

    found = reader.instance_api_tokens.get(instanceId=INSTANCE, filterField="name", filter="sandbox-*")
    assert [t["name"] for t in found["items"]] == ["sandbox-all", "sandbox-read"], found
    assert found["filter"] == "sandbox-*" and found["totalCount"] == 2

    new = admin.instance_api_tokens.post(instanceId=INSTANCE, apiToken={
        "name": "ci", "scope": ["all.Instance.read"], "expirationDate": "2030-01-01T00:00:00.000Z"})
    assert new["token"] and new["id"] == new["apiTokenId"] and new["scope"] == ["all.Instance.read"]
    got = admin.instance_api_token.get(instanceId=INSTANCE, apiTokenId=new["id"])
    assert "token" not in got and got["expirationDate"] == "2030-01-01T00:00:00.000Z"

    # The new token works with its own scope: reads pass, writes are refused.
    own = Client(auth_token=new["token"], url=url)
    assert own.instance_api_token.get(instanceId=INSTANCE, apiTokenId=new["id"])["name"] == "ci"
    expect_error(403, lambda: own.instance_api_tokens.post(instanceId=INSTANCE, apiToken={"name": "x"}))

    patched = admin.instance_api_token.patch(instanceId=INSTANCE, apiTokenId=new["id"],
                                             apiToken={"status": "inactive", "description": "rotated"})
    assert patched["status"] == "inactive" and patched["description"] == "rotated"
    e = expect_error(401, lambda: own.instance_api_tokens.get(instanceId=INSTANCE))
    assert e.data["type"] == "Unauthorized"
    expect_error(400, lambda: admin.instance_api_token.patch(instanceId=INSTANCE, apiTokenId=new["id"], apiToken={"scope": ["all.Instance"]}))
    expect_error(400, lambda: admin.instance_api_token.patch(instanceId=INSTANCE, apiTokenId=new["id"],
                                                             apiToken={"expirationDate": "2031-01-01T00:00:00.000Z"}))
    expect_error(400, lambda: admin.instance_api_tokens.post(instanceId=INSTANCE, apiToken={"name": "x", "owner": "me"}))
    expect_error(400, lambda: admin.instance_api_tokens.post(instanceId=INSTANCE, apiToken={"name": "x", "scope": ["all.Everything"]}))
    expect_error(400, lambda: admin.instance_api_tokens.get(instanceId=INSTANCE, sortField="color"))
    expect_error(403, lambda: reader.instance_api_token.delete(instanceId=INSTANCE, apiTokenId=new["id"]))

    assert admin.instance_api_token.delete(instanceId=INSTANCE, apiTokenId=new["id"]) == {"success": True}
    e = expect_error(404, lambda: admin.instance_api_token.get(instanceId=INSTANCE, apiTokenId=new["id"]))
    assert e.data == {"type": "NotFound", "message": "API Token was not found"}, e.data
    expect_error(401, lambda: Client(auth_token="wrong", url=url).instance_api_tokens.get(instanceId=INSTANCE))
    expect_error(401, lambda: Client(auth_token="losant-seed-old-integration", url=url).instance_api_tokens.get(instanceId=INSTANCE))
    expect_error(404, lambda: admin.instance_api_tokens.get(instanceId="5f00000000000000000000ff"))
    print("losant: ok")


if __name__ == "__main__":
    main(sys.argv[1])
