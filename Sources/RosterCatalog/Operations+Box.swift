import RosterScript

/// Box group memberships, users and groups (fact sheet: api/box-memberships.md).
extension Operation {
    static let boxFields = Parameter("fields", .strings, in: .query, "return only these fields (plus the mini representation)")
    static let boxLimit = Parameter("limit", .integer, in: .query, default: .int(1000), "entries per page (at most 1000)")
    static let boxOffset = Parameter("offset", .integer, in: .query, "entries to skip first (at most 10000)")
    static let boxRole = Parameter("role", in: .body, allowed: ["member", "admin"], "the member's role in the group (default member)")
    static let boxPermissions = Parameter("configurable_permissions", .record, in: .body,
                                          "for admins: {can_run_reports, can_instant_login, can_create_accounts, can_edit_accounts} booleans")
    static let boxLevels = ["admins_only", "admins_and_members", "all_managed_users"]
    /// A user's fields that both creating and changing a user take.
    static let boxUserFields = [
        Parameter("role", in: .body, allowed: ["coadmin", "user"], "enterprise role (default user)"),
        Parameter("status", in: .body, allowed: ["active", "inactive", "cannot_delete_edit", "cannot_delete_edit_upload"], "account status (inactive: cannot sign in)"),
        Parameter("job_title", in: .body, "job title"), Parameter("phone", in: .body, "phone number"),
        Parameter("address", in: .body, "address"), Parameter("language", in: .body, "language code, e.g. en"),
        Parameter("timezone", in: .body, "time zone, e.g. Europe/London"),
        Parameter("space_amount", .integer, in: .body, "storage in bytes (-1: unlimited)"),
    ]

    static let box: [Operation] = [
        Operation(.box, ["memberships", "list"], alias: "get_group_memberships",
                  "A group's memberships (group=ID) or a user's (user=ID), page by page.",
                  method: "GET", paths: ["/2.0/groups/{group_id}/memberships", "/2.0/users/{user_id}/memberships"], parameters: [
                      Parameter("group", in: .path, wire: "group_id", names: .boxGroup, "the group's id or exact name"),
                      Parameter("user", in: .path, wire: "user_id", names: .boxUser, "the user's id or login"),
                      boxLimit, boxOffset,
                  ], pagination: .boxOffset, itemsKey: "entries",
                  example: "box memberships list group=Engineering | select .user.login .role"),
        Operation(.box, ["memberships", "list-for-user"], alias: "get_user_memberships", "A user's group memberships, page by page.",
                  method: "GET", paths: ["/2.0/users/{user_id}/memberships"], parameters: [
                      Parameter("user", in: .path, wire: "user_id", required: true, names: .boxUser, "the user's id or login"), boxLimit, boxOffset,
                  ], pagination: .boxOffset, itemsKey: "entries", example: "box memberships list-for-user user=20000003"),
        Operation(.box, ["memberships", "add"], alias: "create_group_membership", "Add a user to a group.",
                  method: "POST", paths: ["/2.0/group_memberships"], parameters: [
                      Parameter("user", .reference, in: .body, required: true, names: .boxUser, "the user's id or login"),
                      Parameter("group", .reference, in: .body, required: true, names: .boxGroup, "the group's id or exact name"),
                      boxRole, boxPermissions, boxFields,
                  ], success: 201, body: .object, inDoubt: .lookUp(.boxMembership), example: "box memberships add user=linus@example.com group=Engineering role=member"),
        Operation(.box, ["memberships", "get"], alias: "get_group_membership_by_id", "One membership.",
                  method: "GET", paths: ["/2.0/group_memberships/{group_membership_id}"], parameters: [
                      Parameter("id", in: .path, wire: "group_membership_id", required: true, "the membership's id"), boxFields,
                  ], example: "box memberships get id=1560001"),
        Operation(.box, ["memberships", "update"], alias: "update_group_membership_by_id", "Change a membership's role or permissions.",
                  method: "PUT", paths: ["/2.0/group_memberships/{group_membership_id}"], parameters: [
                      Parameter("id", in: .path, wire: "group_membership_id", required: true, "the membership's id"), boxRole, boxPermissions, boxFields,
                  ], body: .object, example: "box memberships update id=$m.id role=admin"),
        Operation(.box, ["memberships", "remove"], alias: "delete_group_membership_by_id", "Remove a user from a group.",
                  method: "DELETE", paths: ["/2.0/group_memberships/{group_membership_id}"], parameters: [
                      Parameter("id", in: .path, wire: "group_membership_id", required: true, "the membership's id"),
                  ], success: 204, example: "box memberships remove id=$m.id"),

        Operation(.box, ["users", "list"], alias: "get_users", "The enterprise's users, page by page (marker paging: no depth limit).",
                  method: "GET", paths: ["/2.0/users"], parameters: [
                      Parameter("filter_term", in: .query, "users whose name or login starts with this"),
                      Parameter("user_type", in: .query, allowed: ["all", "managed", "external"], "which users"),
                      Parameter("external_app_user_id", in: .query, "the app user with this external id"),
                      boxFields, boxLimit,
                  ], pagination: .boxMarker, itemsKey: "entries", example: "box users list filter_term=ada | select .id .login"),
        Operation(.box, ["users", "get"], alias: "get_user_by_id", "One user.",
                  method: "GET", paths: ["/2.0/users/{user_id}"], parameters: [
                      Parameter("id", in: .path, wire: "user_id", required: true, names: .boxUser, "the user's id or login"), boxFields,
                  ], example: "box users get id=20000001"),
        Operation(.box, ["users", "me"], alias: "get_user_me", "The user the token belongs to.",
                  method: "GET", paths: ["/2.0/users/me"], parameters: [boxFields], example: "box users me"),
        Operation(.box, ["users", "create"], alias: "create_user", "Create a managed user (or an app user with is_platform_access_only=true).",
                  method: "POST", paths: ["/2.0/users"], parameters: [
                      Parameter("name", in: .body, required: true, "the user's name (at most 50 characters)"),
                      Parameter("login", in: .body, "the email address they sign in with (needed unless an app user)"),
                  ] + boxUserFields + [
                      Parameter("is_platform_access_only", .boolean, in: .body, "an app user, without a login"),
                      Parameter("external_app_user_id", in: .body, "an id from another system"),
                      boxFields,
                  ], success: 201, body: .object, inDoubt: .lookUp(.boxUser), example: "box users create name=\"Hedy Lamarr\" login=hedy@example.com"),
        Operation(.box, ["users", "update"], alias: "update_user_by_id", "Change a user: deactivate (status=inactive), rename, change login or role.",
                  method: "PUT", paths: ["/2.0/users/{user_id}"], parameters: [
                      Parameter("id", in: .path, wire: "user_id", required: true, names: .boxUser, "the user's id or login"),
                      Parameter("name", in: .body, "the user's name (at most 50 characters)"),
                      Parameter("login", in: .body, "a new email address to sign in with"),
                  ] + boxUserFields + [
                      Parameter("notify", .boolean, in: .body, "tell the user when their role changes"),
                      boxFields,
                  ], body: .object, example: "box users update id=alan@example.com status=inactive"),
        Operation(.box, ["users", "delete"], alias: "delete_user_by_id", "Delete a user, with their group memberships.",
                  method: "DELETE", paths: ["/2.0/users/{user_id}"], parameters: [
                      Parameter("id", in: .path, wire: "user_id", required: true, names: .boxUser, "the user's id or login"),
                      Parameter("notify", .boolean, in: .query, "tell the user"),
                      Parameter("force", .boolean, in: .query, "delete even if they still own content (their files go too)"),
                  ], success: 204, example: "box users delete id=alan@example.com force=true"),

        Operation(.box, ["groups", "list"], alias: "get_groups", "The enterprise's groups, page by page.",
                  method: "GET", paths: ["/2.0/groups"], parameters: [
                      Parameter("filter_term", in: .query, "groups whose name starts with this"), boxFields, boxLimit, boxOffset,
                  ], pagination: .boxOffset, itemsKey: "entries", example: "box groups list | select .id .name"),
        Operation(.box, ["groups", "get"], alias: "get_group_by_id", "One group.",
                  method: "GET", paths: ["/2.0/groups/{group_id}"], parameters: [
                      Parameter("id", in: .path, wire: "group_id", required: true, names: .boxGroup, "the group's id or exact name"), boxFields,
                  ], example: "box groups get id=57001"),
        Operation(.box, ["groups", "create"], alias: "create_group", "Create a group (names are unique in the enterprise).",
                  method: "POST", paths: ["/2.0/groups"], parameters: [
                      Parameter("name", in: .body, required: true, "the group's name"),
                      Parameter("description", in: .body, "what the group is for"),
                      Parameter("provenance", in: .body, "the system the group comes from"),
                      Parameter("external_sync_identifier", in: .body, "its id in that system"),
                      Parameter("invitability_level", in: .body, allowed: boxLevels, "who may invite the group to collaborate"),
                      Parameter("member_viewability_level", in: .body, allowed: boxLevels, "who may see the members"),
                      boxFields,
                  ], success: 201, body: .object, inDoubt: .lookUp(.boxGroup), example: "box groups create name=Design member_viewability_level=admins_and_members"),
        Operation(.box, ["groups", "update"], alias: "update_group_by_id", "Change a group: rename it, or its description and levels.",
                  method: "PUT", paths: ["/2.0/groups/{group_id}"], parameters: [
                      Parameter("id", in: .path, wire: "group_id", required: true, names: .boxGroup, "the group's id or exact name"),
                      Parameter("name", in: .body, "a new name (unique in the enterprise)"),
                      Parameter("description", in: .body, "what the group is for"),
                      Parameter("provenance", in: .body, "the system the group comes from"),
                      Parameter("external_sync_identifier", in: .body, "its id in that system"),
                      Parameter("invitability_level", in: .body, allowed: boxLevels, "who may invite the group to collaborate"),
                      Parameter("member_viewability_level", in: .body, allowed: boxLevels, "who may see the members"),
                      boxFields,
                  ], body: .object, example: "box groups update id=Support description=\"Customer support\""),
        Operation(.box, ["groups", "delete"], alias: "delete_group_by_id", "Delete a group, with its memberships.",
                  method: "DELETE", paths: ["/2.0/groups/{group_id}"], parameters: [
                      Parameter("id", in: .path, wire: "group_id", required: true, names: .boxGroup, "the group's id or exact name"),
                  ], success: 204, example: "box groups delete id=Support"),
    ]
}
