import RosterScript

/// The three services, by the word that starts their verbs.
public enum Service: String, Sendable, CaseIterable {
    case launchDarkly = "ld"
    case losant
    case box

    public var displayName: String {
        switch self {
        case .launchDarkly: "LaunchDarkly"
        case .losant: "Losant"
        case .box: "Box"
        }
    }
}

/// One parameter of an operation: what the user writes, and where and how it goes on the wire.
public struct Parameter: Sendable {
    public enum Kind: String, Sendable {
        case string, integer, boolean, strings = "list of strings", record, records = "list of records"
        /// Box's `{"id": "..."}` wrapper around an id.
        case reference = "id"
    }

    public enum Location: Sendable {
        /// `{wire}` in the path.
        case path
        case query
        /// A key of the JSON body (dotted: nested), or of the body the operation's shape builds.
        case body
    }

    public let name: String
    public let wire: String
    public let kind: Kind
    public let location: Location
    public let required: Bool
    /// Sent when the user gives nothing (and shown in help).
    public let defaultValue: Value?
    public let allowed: [String]?
    /// A name it also takes in place of an id (`group=Engineering`), resolved by a read.
    public let names: NameLookup?
    public let summary: String

    public init(_ name: String, _ kind: Kind = .string, in location: Location, wire: String? = nil, required: Bool = false,
                default defaultValue: Value? = nil, allowed: [String]? = nil, names: NameLookup? = nil, _ summary: String) {
        self.name = name
        self.wire = wire ?? name
        self.kind = kind
        self.location = location
        self.required = required
        self.defaultValue = defaultValue
        self.allowed = allowed
        self.names = names
        self.summary = summary
    }
}

/// How the body of a request is made from the parameters.
public enum BodyShape: Sendable, Equatable {
    case none
    /// A JSON object of the body parameters.
    case object
    /// LaunchDarkly invites: a JSON array of member forms, at most 50 per request (longer lists
    /// are sent in chunks; the results are joined).
    case invites
    /// LaunchDarkly JSON Patch: an array of operations built from `role`/`custom_roles`, or given whole.
    case jsonPatch
    /// LaunchDarkly semantic patch: `{"comment", "instructions": [{"kind": KIND, ...body parameters}]}`
    /// with its own media type; nil kind means the instructions are given whole.
    case semanticPatch(kind: String?)
}

/// How a list is paged.
public enum Pagination: String, Sendable {
    case none
    /// LaunchDarkly: `limit`/`offset`, following `_links.next` until it is absent.
    case launchDarklyLinks = "LaunchDarkly _links.next (limit/offset)"
    /// Losant: zero-based `page`/`perPage`, until `(page + 1) * perPage >= totalCount`.
    case losantPages = "Losant page/perPage with totalCount"
    /// Box: `offset`/`limit` with `total_count`, refusing past offset 10000.
    case boxOffset = "Box offset/limit with total_count (offsets up to 10000)"
    /// Box users: `usemarker=true` and `marker=next_marker`, no depth limit.
    case boxMarker = "Box marker (usemarker/next_marker)"
}

/// One HTTP operation, declared: adding an operation is adding one of these.
public struct Operation: Sendable {
    public let service: Service
    /// The words after the service: `["memberships", "add"]`.
    public let words: [String]
    /// The SDK's method name, accepted in place of the verb (`create_group_membership`).
    public let alias: String
    public let summary: String
    public let method: String
    /// Path templates with `{wire}` placeholders; the first whose placeholders are all given is used.
    public let paths: [String]
    public let parameters: [Parameter]
    public let success: Int
    public let body: BodyShape
    public let pagination: Pagination
    /// The key under which a list response holds its items.
    public let itemsKey: String?
    /// A write whose fate is unknown: sent again (replaces, deletes, a JSON Patch whose every
    /// operation sets a value), looked up first (creates), or reported. Creates must declare theirs.
    public let inDoubt: InDoubt
    public let example: String

    public init(_ service: Service, _ words: [String], alias: String, _ summary: String, method: String, paths: [String],
                parameters: [Parameter] = [], success: Int = 200, body: BodyShape = .none, pagination: Pagination = .none,
                itemsKey: String? = nil, inDoubt: InDoubt? = nil, example: String) {
        self.inDoubt = inDoubt ?? (method == "POST" ? .report : body == .jsonPatch ? .resendWhen(InDoubt.setsOnly) : .resend)
        self.service = service
        self.words = words
        self.alias = alias
        self.summary = summary
        self.method = method
        self.paths = paths
        self.parameters = parameters
        self.success = success
        self.body = body
        self.pagination = pagination
        self.itemsKey = itemsKey
        self.example = example
    }

    /// `box memberships add`
    public var name: String { ([service.rawValue] + words).joined(separator: " ") }
    public var isWrite: Bool { method != "GET" }

    /// A parameter by its name, or by the vendor's own name for it (`value`, `memberIDs`,
    /// `perPage`, `group_id`, `instanceId`: what the API docs and the SDKs call it), unless that
    /// is another parameter's name.
    public func parameter(_ name: String) -> Parameter? {
        if let p = parameters.first(where: { $0.name == name }) { return p }
        return parameters.first { $0.wire == name && !$0.wire.contains(".") }
    }
}
