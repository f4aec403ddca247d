"""Box users, groups and memberships through the official SDK (box-sdk-gen 1.17.0) against `roster serve`.

Run by scripts/conformance/run.sh with the server's URL. Models are parsed by the SDK; errors
arrive as BoxAPIError (status, code) except 401, which a developer-token client turns into
BoxSDKError when it tries to refresh.
"""
import sys

from box_sdk_gen import (BaseUrls, BoxAPIError, BoxCCGAuth, BoxClient, BoxDeveloperTokenAuth, BoxJWTAuth, BoxSDKError, CCGConfig,
                         JWTConfig)
from box_sdk_gen.managers.memberships import (CreateGroupMembershipGroup, CreateGroupMembershipRole,
                                              CreateGroupMembershipUser, UpdateGroupMembershipByIdRole)


def client(url, token):
    return BoxClient(auth=BoxDeveloperTokenAuth(token=token)).with_custom_base_urls(BaseUrls(base_url=url))


def expect_api_error(status, code, call):
    try:
        call()
    except BoxAPIError as e:
        assert e.response_info.status_code == status, (e.response_info.status_code, e.response_info.body)
        assert code is None or e.response_info.body.get("code") == code, e.response_info.body
        return e
    raise AssertionError(f"expected BoxAPIError {status}")


def main(url, jwt_config=None):
    admin = client(url, "box-sandbox-admin")
    user = client(url, "box-sandbox-user")

    me = user.users.get_user_me()
    assert me.login == "alan@example.com" and me.role.value == "user", me
    ada = admin.users.get_user_me()
    engineering = [g for g in admin.groups.get_groups().entries if g.name == "Engineering"][0]

    # Offset paging to the last page: next offset = offset + limit.
    seen, offset = [], 0
    while True:
        page = admin.memberships.get_group_memberships(engineering.id, limit=2, offset=offset)
        seen += [m.id for m in page.entries]
        offset += page.limit
        if offset >= page.total_count:
            break
    assert len(seen) == len(set(seen)) == page.total_count == 3, seen

    # Marker paging over users.
    users, marker = [], None
    while True:
        page = admin.users.get_users(usemarker=True, marker=marker, limit=4)
        users += [u.id for u in page.entries]
        marker = page.next_marker
        if not marker:
            break
    assert len(users) == len(set(users)) == 6, users
    assert [u.name for u in admin.users.get_users(filter_term="gr").entries] == ["Grace Hopper"]

    # The SDK's own integration test, step by step: a new user and group have no memberships,
    # a membership is created as member, updated to admin, and is gone after delete.
    new_user = admin.users.create_user("Edsger Dijkstra", login="edsger@example.com")
    new_group = admin.groups.create_group("Algorithms", description="Shortest paths")
    assert admin.memberships.get_user_memberships(new_user.id).total_count == 0
    assert admin.memberships.get_group_memberships(new_group.id).total_count == 0
    m = admin.memberships.create_group_membership(CreateGroupMembershipUser(id=new_user.id), CreateGroupMembershipGroup(id=new_group.id))
    assert m.role.value == "member" and m.user.id == new_user.id and m.group.id == new_group.id
    assert admin.memberships.get_group_membership_by_id(m.id).id == m.id
    updated = admin.memberships.update_group_membership_by_id(m.id, role=UpdateGroupMembershipByIdRole.ADMIN)
    assert updated.role.value == "admin"
    shaped = admin.memberships.get_group_membership_by_id(m.id, fields=["role"])
    assert shaped.role.value == "admin" and shaped.user is None
    admin.memberships.delete_group_membership_by_id(m.id)
    expect_api_error(404, "not_found", lambda: admin.memberships.get_group_membership_by_id(m.id))

    # Conflicts, refusals and limits, each with its code.
    again = admin.memberships.create_group_membership(CreateGroupMembershipUser(id=new_user.id), CreateGroupMembershipGroup(id=new_group.id),
                                                      role=CreateGroupMembershipRole.ADMIN)
    expect_api_error(409, "conflict", lambda: admin.memberships.create_group_membership(
        CreateGroupMembershipUser(id=new_user.id), CreateGroupMembershipGroup(id=new_group.id)))
    expect_api_error(409, "user_login_already_used", lambda: admin.users.create_user("Ada", login="ada@example.com"))
    expect_api_error(409, "conflict", lambda: admin.groups.create_group("algorithms"))
    expect_api_error(403, "access_denied_insufficient_permissions", lambda: user.memberships.create_group_membership(
        CreateGroupMembershipUser(id=me.id), CreateGroupMembershipGroup(id=new_group.id)))
    expect_api_error(403, None, lambda: user.memberships.get_group_membership_by_id(again.id))
    expect_api_error(400, "bad_request", lambda: admin.memberships.get_group_memberships(engineering.id, offset=10001))
    assert admin.memberships.get_group_memberships(engineering.id, limit=2000).limit == 1000
    expect_api_error(404, "not_found", lambda: admin.users.get_user_by_id("31337"))
    assert admin.groups.get_group_by_id(new_group.id).description == "Shortest paths"
    assert admin.users.get_user_by_id(ada.id, fields=["job_title"]).login == "ada@example.com"
    try:
        client(url, "wrong").users.get_user_me()
        raise AssertionError("expected the developer-token client to give up on 401")
    except BoxAPIError:
        raise AssertionError("a 401 surfaces as BoxSDKError with a developer token")
    except BoxSDKError:
        pass

    # An app by Client Credentials Grant: the SDK asks POST {base_url}/oauth2/token itself.
    def app(secret="sandbox-client-secret", **subject):
        auth = BoxCCGAuth(CCGConfig("sandbox-client-id", secret, **subject))
        return BoxClient(auth=auth).with_custom_base_urls(BaseUrls(base_url=url))
    assert app(enterprise_id="sandbox-enterprise").users.get_user_me().login == "ada@example.com"
    assert app(user_id=me.id).users.get_user_me().login == "alan@example.com"
    try:
        app(secret="wrong", enterprise_id="sandbox-enterprise").users.get_user_me()
        raise AssertionError("expected the wrong client secret to be refused")
    except BoxAPIError as e:
        assert e.response_info.status_code == 400 and e.response_info.body.get("error") == "invalid_client", e.response_info.body
    # A JWT app from the config `roster serve --box-jwt-config` wrote: the SDK opens its
    # encrypted key with the passphrase and signs its own assertion.
    if jwt_config:
        jwt = BoxClient(auth=BoxJWTAuth(JWTConfig.from_config_file(jwt_config))).with_custom_base_urls(BaseUrls(base_url=url))
        assert jwt.users.get_user_me().login == "ada@example.com"
        as_alan = BoxJWTAuth(JWTConfig.from_config_file(jwt_config)).with_user_subject(me.id)
        assert BoxClient(auth=as_alan).with_custom_base_urls(BaseUrls(base_url=url)).users.get_user_me().login == "alan@example.com"
    print("box: ok")


if __name__ == "__main__":
    main(*sys.argv[1:3])
