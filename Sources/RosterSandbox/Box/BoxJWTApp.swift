import Crypto
import Foundation
import SwiftASN1
import _CryptoExtras

/// The sandbox's Box app for JWT grants: a key pair made at start, its config written where
/// `roster serve --box-jwt-config FILE` says, in the shape Box's developer console downloads
/// (`boxAppSettings.appAuth.privateKey` an encrypted PKCS#8 PEM with its passphrase), so that
/// roster and box-sdk-gen's `BoxJWTAuth` read it as they would a real app's.
public struct BoxJWTKey: Sendable {
    public let id: String
    let publicKey: _RSA.Signing.PublicKey
}

public enum BoxJWTApp {
    /// Makes the key pair, writes the config (mode 0600) and returns the key assertions are checked with.
    public static func writeConfig(to path: String, clientSecret: String = SandboxTokens.fixed.boxClientSecret) throws -> BoxJWTKey {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let id = "sandbox-key-" + String(UInt32.random(in: .min ... .max), radix: 16)
        let passphrase = (0..<2).map { _ in String(format: "%016llx", UInt64.random(in: .min ... .max)) }.joined()
        let config: [String: Any] = [
            "boxAppSettings": [
                "clientID": Box.clientID,
                "clientSecret": clientSecret,
                "appAuth": ["publicKeyID": id, "privateKey": try encryptedPEM(key, passphrase: passphrase), "passphrase": passphrase],
            ],
            "enterpriseID": Box.enterpriseID,
        ]
        let data = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys])
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        return BoxJWTKey(id: id, publicKey: key.publicKey)
    }

    /// PKCS#8 encrypted as OpenSSL and Box write it: PBES2, PBKDF2 with HMAC-SHA256, AES-256-CBC.
    static func encryptedPEM(_ key: _RSA.Signing.PrivateKey, passphrase: String) throws -> String {
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255) }
        let iv = (0..<16).map { _ in UInt8.random(in: 0...255) }
        let rounds = 210_000   // swift-crypto's floor for PBKDF2-SHA256
        let derived = try KDF.Insecure.PBKDF2.deriveKey(from: Array(passphrase.utf8), salt: salt, using: .sha256, outputByteCount: 32, rounds: rounds)
        let encrypted = try AES._CBC.encrypt(key.pkcs8DERRepresentation, using: derived, iv: AES._CBC.IV(ivBytes: iv))
        var der = DER.Serializer()
        try der.appendConstructedNode(identifier: .sequence) { info in
            try info.appendConstructedNode(identifier: .sequence) { algorithm in
                try algorithm.serialize(ASN1ObjectIdentifier("1.2.840.113549.1.5.13"))   // PBES2
                try algorithm.appendConstructedNode(identifier: .sequence) { params in
                    try params.appendConstructedNode(identifier: .sequence) { kdf in
                        try kdf.serialize(ASN1ObjectIdentifier("1.2.840.113549.1.5.12"))   // PBKDF2
                        try kdf.appendConstructedNode(identifier: .sequence) { p in
                            try p.serialize(ASN1OctetString(contentBytes: salt[...]))
                            try p.serialize(rounds)
                            try p.appendConstructedNode(identifier: .sequence) { prf in
                                try prf.serialize(ASN1ObjectIdentifier("1.2.840.113549.2.9"))   // hmacWithSHA256
                                try prf.serialize(ASN1Null())
                            }
                        }
                    }
                    try params.appendConstructedNode(identifier: .sequence) { cipher in
                        try cipher.serialize(ASN1ObjectIdentifier("2.16.840.1.101.3.4.1.42"))   // aes256-CBC
                        try cipher.serialize(ASN1OctetString(contentBytes: iv[...]))
                    }
                }
            }
            try info.serialize(ASN1OctetString(contentBytes: Array(encrypted)[...]))
        }
        return PEMDocument(type: "ENCRYPTED PRIVATE KEY", derBytes: der.serializedBytes).pemString
    }

    /// The claims of a signed assertion, when its signature is one of `keys`' (nil: it is not).
    static func verify(_ assertion: String, keys: [BoxJWTKey]) -> (kid: String?, claims: [String: Any])? {
        let parts = assertion.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = base64URL(parts[0]), let claimsData = base64URL(parts[1]), let signature = base64URL(parts[2]),
              let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any],
              let claims = try? JSONSerialization.jsonObject(with: claimsData) as? [String: Any] else { return nil }
        let kid = header["kid"] as? String
        guard let key = keys.first(where: { $0.id == kid }) else { return (kid, [:]) }
        let signed = Data((parts[0] + "." + parts[1]).utf8)
        let rsa = _RSA.Signing.RSASignature(rawRepresentation: signature)
        let valid: Bool
        switch header["alg"] as? String {
        case "RS256": valid = key.publicKey.isValidSignature(rsa, for: SHA256.hash(data: signed), padding: .insecurePKCS1v1_5)
        case "RS384": valid = key.publicKey.isValidSignature(rsa, for: SHA384.hash(data: signed), padding: .insecurePKCS1v1_5)
        case "RS512": valid = key.publicKey.isValidSignature(rsa, for: SHA512.hash(data: signed), padding: .insecurePKCS1v1_5)
        default: valid = false
        }
        return valid ? (kid, claims) : nil
    }

    static func base64URL(_ s: Substring) -> Data? {
        var text = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        return Data(base64Encoded: text)
    }
}

/// Assertion ids already used: Box takes each `jti` once.
final class SeenAssertions: @unchecked Sendable {
    private let lock = NSLock()
    private var seen: [String: Double] = [:]

    /// Records `jti` until `expires`; false when it was seen before.
    func first(_ jti: String, expires: Double, now: Double) -> Bool {
        lock.withLock {
            if seen.count > 10_000 { seen = seen.filter { $0.value > now } }
            guard seen[jti] == nil else { return false }
            seen[jti] = expires
            return true
        }
    }
}
