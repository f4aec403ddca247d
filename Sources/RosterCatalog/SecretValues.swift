import Foundation
import RosterScript
import Synchronization

/// The secret values in use: the tokens of the profiles roster has read (from `token_env` or
/// `token_file`). Every text roster writes is scrubbed of them (stdout and stderr, the journal,
/// plans, failures files, `:record`, history), and every server reply is scrubbed before it
/// becomes a value, so a server that echoes a token back cannot make roster show or keep it.
/// (The sandbox's fixed tokens are public knowledge and are not registered.)
public enum SecretValues {
    private static let known = Mutex<[String]>([])
    public static let replacement = "(redacted)"

    /// Adds a secret. Short values are not scrubbed: they would blank out ordinary words.
    public static func register(_ secret: String) {
        guard secret.utf8.count >= 8 else { return }
        let forms = variants(of: secret)
        known.withLock { for form in forms where !$0.contains(form) { $0.append(form) } }
    }

    /// Drops a secret no longer in use (an access token long since renewed), so a run that
    /// renews often does not scrub an ever longer list.
    public static func forget(_ secret: String) {
        let forms = variants(of: secret)
        known.withLock { $0.removeAll { forms.contains($0) } }
    }

    /// The secret as it is written, and as the wire and error texts spell it: percent-encoded
    /// (a form body, a query, a Location), JSON- and Swift-escaped (a value quoted in an error),
    /// base64 (an echoed Basic header).
    public static func variants(of secret: String) -> [String] {
        var forms = [secret, PreparedRequest.escape(secret), String(reflecting: secret).dropFirst().dropLast().description,
                     Data(secret.utf8).base64EncodedString()]
        if let json = try? Value.string(secret).json() { forms.append(String(json.dropFirst().dropLast())) }
        var seen = Set<String>()
        forms = forms.filter { !$0.isEmpty && seen.insert($0).inserted }
        // The longest first: a form that contains another is replaced whole.
        return forms.sorted { $0.utf8.count > $1.utf8.count }
    }

    static var all: [String] { known.withLock { $0 } }
    static var any: Bool { known.withLock { !$0.isEmpty } }

    /// `text` with every known secret replaced.
    public static func scrub(_ text: String) -> String {
        let secrets = all
        guard !secrets.isEmpty else { return text }
        var out = text
        for s in secrets where out.contains(s) { out = out.replacingOccurrences(of: s, with: replacement) }
        return out
    }

    /// A value read from a reply, with every known secret replaced in its texts and keys: JSON
    /// escapes (`\u0041`, `\/`) can spell a token that scrubbing the raw bytes does not see.
    static func scrub(_ value: Value) -> Value {
        let secrets = all
        guard !secrets.isEmpty else { return value }
        func walk(_ v: Value) -> Value {
            switch v {
            case .string(let s): return secrets.contains(where: { s.contains($0) }) ? .string(scrub(s)) : v
            case .list(let l): return .list(l.map(walk))
            case .record(let r):
                var out = Record(minimumCapacity: r.count)
                for (k, x) in r { out[secrets.contains(where: { k.contains($0) }) ? scrub(k) : k] = walk(x) }
                return .record(out)
            default: return v
            }
        }
        return walk(value)
    }

    /// The same over bytes (a reply's body): copied only when a secret is in it.
    static func scrub(_ bytes: [UInt8]) -> [UInt8] {
        let secrets = all
        guard !secrets.isEmpty, secrets.contains(where: { contains(bytes, Array($0.utf8)) }) else { return bytes }
        return Array(scrub(String(decoding: bytes, as: UTF8.self)).utf8)
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, haystack.count >= needle.count else { return false }
        let last = haystack.count - needle.count
        var i = 0
        while i <= last {
            guard let at = haystack[i...last].firstIndex(of: first) else { return false }
            if haystack[at..<at + needle.count].elementsEqual(needle) { return true }
            i = at + 1
        }
        return false
    }
}
