"""LaunchDarkly members through the official SDK (launchdarkly-api 25.0.1) against `roster serve`.

Run by scripts/conformance/run.sh, which starts the server and passes its URL. Each check
asserts what the SDK sees: models that parse under its strict pydantic types, pages walked to
the end with nothing repeated or lost, and the SDK's own exception types for each error.
"""
import sys

import launchdarkly_api
from launchdarkly_api.exceptions import (BadRequestException, ForbiddenException,
                                         NotFoundException, UnauthorizedException)
from launchdarkly_api.models import MembersPatchInput, MemberTeamsPostInput, NewMemberForm, PatchOperation

SEMANTIC = "application/json; domain-model=launchdarkly.semanticpatch"


def api(url, token):
    cfg = launchdarkly_api.Configuration(host=url)
    cfg.api_key["ApiKey"] = token
    cfg.retries = 0
    return launchdarkly_api.AccountMembersApi(launchdarkly_api.ApiClient(cfg))


def expect_raises(kind, call):
    try:
        call()
    except kind as e:
        return e
    raise AssertionError(f"expected {kind.__name__}")


def main(url):
    admin = api(url, "api-sandbox-admin")
    reader = api(url, "api-sandbox-reader")

    # Every page, to the last: no member repeated or lost.
    seen, offset, total = [], 0, None
    while True:
        page = admin.get_members(limit=2, offset=offset)
        total = page.total_count
        seen += [m.id for m in page.items]
        if "next" not in page.links:
            break
        offset += 2
    assert len(seen) == total == len(set(seen)) == 6, (seen, total)

    page = admin.get_members(limit=10, filter="role:admin", sort="-lastSeen")
    assert [m.email for m in page.items] == ["ada@example.com", "margaret@example.com"], page.items

    me = admin.get_member("me")
    assert me.email == "ada@example.com" and me.role == "admin"
    assert reader.get_member("me").email == "alan@example.com"

    created = admin.post_members([NewMemberForm(email="sdk@example.com", role="writer", firstName="Sdk")])
    new = created.items[0]
    assert new.pending_invite is True and new.role == "writer"

    e = expect_raises(BadRequestException, lambda: admin.post_members([NewMemberForm(email="grace@example.com", role="reader")]))
    assert '"email_already_exists_in_account"' in e.body

    updated = admin.patch_member(new.id, [PatchOperation(op="replace", path="/role", value="reader"),
                                          PatchOperation(op="add", path="/customRoles/-", value="flag-editors")])
    assert updated.role == "reader" and updated.custom_roles == ["flag-editors"]

    teamed = admin.post_member_teams(new.id, MemberTeamsPostInput(teamKeys=["platform"]))
    assert [t.key for t in teamed.teams] == ["platform"]

    result = admin.patch_members(MembersPatchInput(comment="sdk", instructions=[
        {"kind": "replaceMembersRoles", "value": "writer", "memberIDs": [new.id, me.id]}]), _content_type=SEMANTIC)
    assert result.members == [new.id] and list(result.errors[0].keys()) == [me.id], result

    # The SDK's default content type is plain JSON: the faithful sandbox refuses it.
    expect_raises(BadRequestException, lambda: admin.patch_members(MembersPatchInput(instructions=[
        {"kind": "replaceMembersRoles", "value": "writer", "memberIDs": [new.id]}])))

    admin.delete_member(new.id)
    expect_raises(NotFoundException, lambda: admin.get_member(new.id))
    expect_raises(UnauthorizedException, lambda: api(url, "api-wrong").get_members())
    expect_raises(ForbiddenException, lambda: reader.delete_member(new.id))
    print("launchdarkly: ok")


if __name__ == "__main__":
    main(sys.argv[1])
