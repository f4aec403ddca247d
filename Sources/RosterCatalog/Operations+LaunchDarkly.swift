import RosterScript

/// LaunchDarkly account members (fact sheet: api/launchdarkly-members.md).
extension Operation {
    static let ldRoles = ["reader", "writer", "admin", "no_access"]
    static let ldID = Parameter("id", in: .path, required: true, names: .ldMember, "the member's _id (24 hex digits), email, or me")

    /// The filters of the `replaceAll*` instructions.
    static let ldBulkFilters = [
        Parameter("filter_query", in: .body, wire: "filterQuery", "only members whose email or name contains this (case-insensitive)"),
        Parameter("filter_roles", in: .body, wire: "filterRoles", "only members with one of these roles, separated by | (quote it: filter_roles=\"admin|writer\"; owner counts as admin)"),
        Parameter("filter_team_key", in: .body, wire: "filterTeamKey", "only members of this team"),
        Parameter("filter_last_seen", .record, in: .body, wire: "filterLastSeen", "{never: true}, {noData: true} or {before: EPOCH_MS}"),
        Parameter("ignored_ids", .strings, in: .body, wire: "ignoredMemberIDs", names: .ldMember, "members never touched: _ids or emails"),
    ]
    static let ldComment = Parameter("comment", in: .body, "a note recorded with the change")
    static let ldMemberIDs = Parameter("ids", .strings, in: .body, wire: "memberIDs", required: true, names: .ldMember, "the members: _ids or emails")

    static let launchDarkly: [Operation] = [
        Operation(.launchDarkly, ["members", "list"], alias: "get_members", "List the account's members, page by page.",
                  method: "GET", paths: ["/api/v2/members"], parameters: [
                      // In the SDK's order, so the query reads as its does.
                      Parameter("limit", .integer, in: .query, default: .int(100), "members per page (pages are fetched as they are used)"),
                      Parameter("offset", .integer, in: .query, "members to skip first"),
                      Parameter("filter", in: .query, "field:value clauses joined by commas (AND); | ORs values (quote it, or | starts a pipeline): filter=\"role:admin|writer,query:ada\""),
                      Parameter("expand", in: .query, allowed: ["customRoles", "roleAttributes", "customRoles,roleAttributes"], "extra fields to include"),
                      Parameter("sort", in: .query, allowed: ["displayName", "-displayName", "lastSeen", "-lastSeen"], "sort field; - for descending"),
                  ], pagination: .launchDarklyLinks, itemsKey: "items",
                  example: "ld members list filter=role:admin sort=-lastSeen | select .email"),
        Operation(.launchDarkly, ["members", "get"], alias: "get_member", "One member, or the caller with id=me.",
                  method: "GET", paths: ["/api/v2/members/{id}"], parameters: [
                      ldID, Parameter("expand", in: .query, allowed: ["customRoles", "roleAttributes", "customRoles,roleAttributes"], "extra fields to include"),
                  ], example: "ld members get id=grace@example.com"),
        Operation(.launchDarkly, ["members", "invite"], alias: "post_members",
                  "Invite members: one from its fields, or a list with members=[...] (sent 50 at a time; each request is all or nothing).",
                  method: "POST", paths: ["/api/v2/members"], parameters: [
                      Parameter("email", in: .body, "the new member's email address"),
                      Parameter("role", in: .body, allowed: ldRoles, "base role (give a role or custom_roles)"),
                      Parameter("custom_roles", .strings, in: .body, wire: "customRoles", "custom role keys"),
                      Parameter("first_name", in: .body, wire: "firstName", "first name"),
                      Parameter("last_name", in: .body, wire: "lastName", "last name"),
                      Parameter("team_keys", .strings, in: .body, wire: "teamKeys", "teams to join"),
                      Parameter("role_attributes", .record, in: .body, wire: "roleAttributes", "{key: [values]} for roles that need them"),
                      Parameter("members", .records, in: .body, "many invites at once: [{email, role, firstName, ...}]"),
                  ], success: 201, body: .invites, itemsKey: "items", inDoubt: .lookUp(.ldMember),
                  example: "ld members invite email=hedy@example.com role=writer first_name=Hedy"),
        Operation(.launchDarkly, ["members", "update"], alias: "patch_member",
                  "Change a member's role or custom roles (JSON Patch); patch=[...] sends operations as given.",
                  method: "PATCH", paths: ["/api/v2/members/{id}"], parameters: [
                      ldID,
                      Parameter("role", in: .body, allowed: ldRoles, "new base role"),
                      Parameter("custom_roles", .strings, in: .body, wire: "customRoles", "new custom role keys (replacing the old)"),
                      Parameter("patch", .records, in: .body, "JSON Patch operations, e.g. [{op: \"replace\", path: \"/role\", value: \"reader\"}]"),
                  ], body: .jsonPatch, example: "ld members update id=$m._id role=reader"),
        Operation(.launchDarkly, ["members", "delete"], alias: "delete_member", "Remove a member from the account.",
                  method: "DELETE", paths: ["/api/v2/members/{id}"], parameters: [ldID], success: 204,
                  example: "ld members delete id=$m._id"),
        Operation(.launchDarkly, ["members", "add-teams"], alias: "post_member_teams", "Add a member to teams.",
                  method: "POST", paths: ["/api/v2/members/{id}/teams"], parameters: [
                      ldID, Parameter("teams", .strings, in: .body, wire: "teamKeys", required: true, "team keys"),
                  ], success: 201, body: .object, inDoubt: .resend, example: "ld members add-teams id=$m._id teams=[\"platform\"]"),
        Operation(.launchDarkly, ["members", "patch"], alias: "patch_members",
                  "Semantic patch over many members: instructions=[{kind: ..., ...}], applied atomically.",
                  method: "PATCH", paths: ["/api/v2/members"], parameters: [
                      Parameter("instructions", .records, in: .body, required: true, "semantic-patch instructions"), ldComment,
                  ], body: .semanticPatch(kind: nil),
                  example: "ld members patch instructions=[{kind: \"replaceMembersRoles\", value: \"reader\", memberIDs: [$id]}]"),
        Operation(.launchDarkly, ["members", "replace-roles"], alias: "replaceMembersRoles",
                  "Set the base role of the listed members (clearing their custom roles).",
                  method: "PATCH", paths: ["/api/v2/members"], parameters: [
                      Parameter("role", in: .body, wire: "value", required: true, allowed: ldRoles, "the new base role"), ldMemberIDs, ldComment,
                  ], body: .semanticPatch(kind: "replaceMembersRoles"), example: "ld members replace-roles role=reader ids=[$a, $b]"),
        Operation(.launchDarkly, ["members", "replace-all-roles"], alias: "replaceAllMembersRoles",
                  "Set the base role of every member the filters select (read first, sent as their ids).",
                  method: "PATCH", paths: ["/api/v2/members"], parameters: [
                      Parameter("role", in: .body, wire: "value", required: true, allowed: ldRoles, "the new base role"),
                  ] + ldBulkFilters + [ldComment],
                  body: .semanticPatch(kind: "replaceAllMembersRoles"), example: "ld members replace-all-roles role=reader filter_roles=writer"),
        Operation(.launchDarkly, ["members", "replace-custom-roles"], alias: "replaceMembersCustomRoles",
                  "Replace the custom roles of the listed members.",
                  method: "PATCH", paths: ["/api/v2/members"], parameters: [
                      Parameter("roles", .strings, in: .body, wire: "values", required: true, "custom role keys"), ldMemberIDs, ldComment,
                  ], body: .semanticPatch(kind: "replaceMembersCustomRoles"), example: "ld members replace-custom-roles roles=[\"flag-editors\"] ids=[$id]"),
        Operation(.launchDarkly, ["members", "replace-all-custom-roles"], alias: "replaceAllMembersCustomRoles",
                  "Replace the custom roles of every member the filters select (read first, sent as their ids).",
                  method: "PATCH", paths: ["/api/v2/members"], parameters: [
                      Parameter("roles", .strings, in: .body, wire: "values", required: true, "custom role keys"),
                  ] + ldBulkFilters + [ldComment],
                  body: .semanticPatch(kind: "replaceAllMembersCustomRoles"), example: "ld members replace-all-custom-roles roles=[] filter_query=contractor"),
        Operation(.launchDarkly, ["members", "replace-role-attributes"], alias: "replaceMembersRoleAttributes",
                  "Replace the role attributes of the listed members.",
                  method: "PATCH", paths: ["/api/v2/members"], parameters: [
                      Parameter("attributes", .record, in: .body, wire: "value", required: true, "{key: [values]}"), ldMemberIDs, ldComment,
                  ], body: .semanticPatch(kind: "replaceMembersRoleAttributes"),
                  example: "ld members replace-role-attributes attributes={projects: [\"web\"]} ids=[$id]"),
    ]
}
