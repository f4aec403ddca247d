import RosterScript

/// Losant instance API tokens (fact sheet: api/losant-instance-tokens.md). `instance` defaults
/// to the profile's instance id.
extension Operation {
    // Required by the API, and given by the profile unless named.
    static let losantInstance = Parameter("instance", in: .path, wire: "instanceId", required: true,
                                          "the instance id (24 hex digits); the profile's when not given")
    static let losantTokenID = Parameter("id", in: .path, wire: "apiTokenId", required: true, names: .losantToken, "the token's id or name")
    static let losantTokenFields = [
        Parameter("name", in: .body, "the token's name (1 to 255 characters)"),
        Parameter("description", in: .body, "what it is for"),
        Parameter("status", in: .body, allowed: ["active", "inactive"], "inactive tokens fail authentication"),
    ]
    static let losantBase = "/instances/{instanceId}/tokens"

    static let losant: [Operation] = [
        Operation(.losant, ["tokens", "list"], alias: "instance_api_tokens.get", "List the instance's API tokens, page by page.",
                  method: "GET", paths: [losantBase], parameters: [
                      losantInstance,
                      Parameter("sort_field", in: .query, wire: "sortField", allowed: ["name", "status", "id", "creationDate", "lastUpdated", "expirationDate"], "sort field (default name)"),
                      Parameter("sort_direction", in: .query, wire: "sortDirection", allowed: ["asc", "desc"], "sort direction (default asc)"),
                      Parameter("filter_field", in: .query, wire: "filterField", allowed: ["name", "status"], "field the filter applies to"),
                      Parameter("filter", in: .query, "value to match; * matches any run of characters"),
                      Parameter("per_page", .integer, in: .query, wire: "perPage", default: .int(100), "tokens per page"),
                      Parameter("page", .integer, in: .query, "first page to fetch (zero-based)"),
                  ], pagination: .losantPages, itemsKey: "items",
                  example: "losant tokens list filter_field=name filter=ci-* | select .name .status"),
        Operation(.losant, ["tokens", "create"], alias: "instance_api_tokens.post",
                  "Create a token; its value is in the result's token field, shown this once.",
                  method: "POST", paths: [losantBase], parameters: [losantInstance] + losantTokenFields + [
                      Parameter("scope", .strings, in: .body, "scopes, e.g. [all.Instance.read]; give them: Losant documents no default (the sandbox grants all.Instance)"),
                      Parameter("expiration_date", in: .body, wire: "expirationDate", "ISO-8601 date-time; cannot change later"),
                  ], success: 201, body: .object, inDoubt: .lookUp(.losantToken),
                  example: "losant tokens create name=ci scope=[\"all.Instance.read\"] expiration_date=2030-01-01T00:00:00.000Z"),
        Operation(.losant, ["tokens", "get"], alias: "instance_api_token.get", "One token (without its value).",
                  method: "GET", paths: [losantBase + "/{apiTokenId}"], parameters: [losantInstance, losantTokenID],
                  example: "losant tokens get id=ci-deploy"),
        Operation(.losant, ["tokens", "update"], alias: "instance_api_token.patch",
                  "Change a token's name, description or status (scope and expiry cannot change).",
                  method: "PATCH", paths: [losantBase + "/{apiTokenId}"], parameters: [losantInstance, losantTokenID] + losantTokenFields,
                  body: .object, example: "losant tokens update id=$t.id status=inactive"),
        Operation(.losant, ["tokens", "delete"], alias: "instance_api_token.delete", "Delete a token.",
                  method: "DELETE", paths: [losantBase + "/{apiTokenId}"], parameters: [losantInstance, losantTokenID],
                  example: "losant tokens delete id=$t.id"),
    ]
}
