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
    /// (a form body, a query, a Location; with upper- or lower-case hex, and encoded twice),
    /// JSON- and Swift-escaped (a value quoted in an error), and inside base64 (a Basic
    /// credential, a cookie, a token's payload echoed back).
    public static func variants(of secret: String) -> [String] {
        let percent = PreparedRequest.escape(secret)
        var forms = [secret, percent, lowerHex(percent), PreparedRequest.escape(percent),
                     String(reflecting: secret).dropFirst().dropLast().description]
        if let json = try? Value.string(secret).json() { forms.append(String(json.dropFirst().dropLast())) }
        forms += base64Cores(of: secret)
        var seen = Set<String>()
        forms = forms.filter { !$0.isEmpty && seen.insert($0).inserted }
        // The longest first: a form that contains another is replaced whole.
        return forms.sorted { $0.utf8.count > $1.utf8.count }
    }

    /// `%2B` as `%2b`: the same bytes, as some servers write them back.
    private static func lowerHex(_ percentEncoded: String) -> String {
        var bytes = Array(percentEncoded.utf8), i = 0
        while i + 2 < bytes.count {
            if bytes[i] == UInt8(ascii: "%") {
                for j in i + 1...i + 2 where (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(bytes[j]) { bytes[j] += 32 }
                i += 3
            } else {
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The secret inside any base64 text, whatever comes before and after it: base64 writes
    /// three bytes as four characters, so the secret can start at three alignments. At each,
    /// the characters that depend on the secret's bytes alone (those that mix in a byte before
    /// or after it, or the padding, are left out), in the standard and the URL-safe alphabet.
    static func base64Cores(of secret: String) -> [String] {
        let bytes = Array(secret.utf8)
        var cores: [String] = []
        for shift in 0..<3 {
            let encoded = Array((Data(count: shift) + Data(bytes)).base64EncodedString().utf8)
            // Character i holds bits 6i..<6i+6 of the bytes.
            let first = (shift * 8 + 5) / 6, end = (shift + bytes.count) * 8 / 6
            guard end - first >= 8 else { continue }
            let core = String(decoding: encoded[first..<end], as: UTF8.self)
            cores.append(core)
            cores.append(String(core.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 }))
        }
        return cores
    }

    static var all: [String] { known.withLock { $0 } }
    static var any: Bool { known.withLock { !$0.isEmpty } }

    /// `text` with every known secret replaced.
    public static func scrub(_ text: String) -> String {
        let secrets = all
        guard !secrets.isEmpty else { return text }
        var out = text
        for s in secrets where contains(out, s) { out = replacing(s, in: out) }
        return out
    }

    /// A value read from a reply, with every known secret replaced in its texts and keys: JSON
    /// escapes (`\u0041`, `\/`) can spell a token that scrubbing the raw bytes does not see.
    static func scrub(_ value: Value) -> Value {
        let secrets = all
        guard !secrets.isEmpty else { return value }
        func walk(_ v: Value) -> Value {
            switch v {
            case .string(let s): return secrets.contains(where: { contains(s, $0) }) ? .string(scrub(s)) : v
            case .list(let l): return .list(l.map(walk))
            case .record(let r):
                var out = Record(minimumCapacity: r.count)
                for (k, x) in r { out[secrets.contains(where: { contains(k, $0) }) ? scrub(k) : k] = walk(x) }
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
        haystack.withUnsafeBufferPointer { h in needle.withUnsafeBufferPointer { n in find(n, in: h) != nil } }
    }

    static func contains(_ text: String, _ secret: String) -> Bool {
        var text = text, secret = secret
        return text.withUTF8 { h in secret.withUTF8 { n in find(n, in: h) != nil } }
    }

    /// Every occurrence of `secret` replaced, found as `find` finds them (Foundation's
    /// replacingOccurrences took minutes for a long token in a large reply).
    static func replacing(_ secret: String, in text: String) -> String {
        var text = text, secret = secret
        let bytes: [UInt8] = text.withUTF8 { h in
            secret.withUTF8 { n in
                var out: [UInt8] = []
                out.reserveCapacity(h.count)
                var at = 0
                while let i = find(n, in: UnsafeBufferPointer(rebasing: h[at...])) {
                    out += h[at..<at + i]
                    out += replacement.utf8
                    at += i + n.count
                }
                out += h[at...]
                return out
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Where `needle` first is in `haystack`, in time linear in the haystack (a search that
    /// compared at every place where the first byte matched took a long token times a large
    /// reply: 50 s of CPU).
    static func find(_ needle: UnsafeBufferPointer<UInt8>, in haystack: UnsafeBufferPointer<UInt8>) -> Int? {
        let m = needle.count, n = haystack.count
        guard m > 0, n >= m else { return nil }
        // Most texts hold the needle's first byte in few places: memchr to each and compare
        // there. Once the comparisons could have cost twice the text, the rolling hash takes
        // the rest, so the whole stays linear.
        var at = 0, compared = 0
        while at <= n - m, compared <= 2 * n {
            guard let hit = memchr(haystack.baseAddress! + at, Int32(needle[0]), n - m + 1 - at) else { return nil }
            let i = haystack.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if memcmp(haystack.baseAddress! + i, needle.baseAddress!, m) == 0 { return i }
            compared += m
            at = i + 1
        }
        guard at <= n - m else { return nil }
        return rollingFind(needle, in: UnsafeBufferPointer(rebasing: haystack[at...])).map { $0 + at }
    }

    /// Rabin-Karp: a rolling hash of each window, compared byte by byte only where it matches.
    private static func rollingFind(_ needle: UnsafeBufferPointer<UInt8>, in haystack: UnsafeBufferPointer<UInt8>) -> Int? {
        let m = needle.count, n = haystack.count
        guard m > 0, n >= m else { return nil }
        let base: UInt64 = 1_099_511_628_211
        var power: UInt64 = 1
        var target: UInt64 = 0, window: UInt64 = 0
        for i in 0..<m {
            target = target &* base &+ UInt64(needle[i])
            window = window &* base &+ UInt64(haystack[i])
            if i > 0 { power = power &* base }
        }
        var start = 0
        while true {
            if window == target, memcmp(haystack.baseAddress! + start, needle.baseAddress!, m) == 0 { return start }
            guard start + m < n else { return nil }
            window = (window &- UInt64(haystack[start]) &* power) &* base &+ UInt64(haystack[start + m])
            start += 1
        }
    }
}
