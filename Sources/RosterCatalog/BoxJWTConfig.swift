import Crypto
import Foundation
import _CryptoExtras

/// A Box app's JWT config, as the developer console downloads it:
/// `{"boxAppSettings": {"clientID", "clientSecret", "appAuth": {"publicKeyID", "privateKey",
/// "passphrase"}}, "enterpriseID"}` (or `"userID"`). The private key is an encrypted PKCS#8 PEM,
/// opened by swift-crypto (BoringSSL) with the passphrase; the secrets stay in memory only.
struct BoxJWTConfig: @unchecked Sendable {
    let path: String
    let clientID: String
    let clientSecret: String
    let publicKeyID: String
    let privateKey: _RSA.Signing.PrivateKey
    let enterpriseID: String?
    let userID: String?

    private struct File: Decodable {
        struct Settings: Decodable {
            struct Auth: Decodable {
                let publicKeyID: String
                let privateKey: String
                let passphrase: String?
            }
            let clientID: String
            let clientSecret: String
            let appAuth: Auth
        }
        let boxAppSettings: Settings
        let enterpriseID: String?
        let userID: String?
    }

    /// Reads and opens the config; `passphrase` (from `passphrase_env`) replaces the file's own.
    static func load(path: String, passphrase: String?, profile: String) throws -> BoxJWTConfig {
        let full = LocalFile.expand(path)
        guard let data = FileManager.default.contents(atPath: full) else {
            throw ConfigError("profile '\(profile)': cannot read the Box JWT config \(path)")
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw ConfigError("profile '\(profile)': \(path) is not a Box JWT config (boxAppSettings with clientID, clientSecret and appAuth {publicKeyID, privateKey, passphrase}): \(error)")
        }
        let settings = file.boxAppSettings
        SecretValues.register(settings.clientSecret)
        guard let phrase = passphrase ?? settings.appAuth.passphrase, !phrase.isEmpty else {
            throw ConfigError("profile '\(profile)': \(path) holds no passphrase for its private key; give passphrase_env")
        }
        SecretValues.register(phrase)
        let key: _RSA.Signing.PrivateKey
        do {
            key = try _RSA.Signing.PrivateKey(encryptedPEMRepresentation: settings.appAuth.privateKey) { (set: ([UInt8]) -> Void) in
                set(Array(phrase.utf8))
            }
        } catch {
            throw ConfigError("profile '\(profile)': the private key in \(path) does not open with its passphrase (or is not an RSA key)")
        }
        return BoxJWTConfig(path: path, clientID: settings.clientID, clientSecret: settings.clientSecret, publicKeyID: settings.appAuth.publicKeyID,
                            privateKey: key, enterpriseID: file.enterpriseID, userID: file.userID)
    }

    /// The signed assertion for one token request: RS256, `kid` the app's key, for the
    /// enterprise or a user, Box's fixed audience, a fresh `jti`, expiring in 30 seconds.
    func assertion(subjectType: String, subjectID: String, now: Double) throws -> String {
        let header = ["alg": "RS256", "typ": "JWT", "kid": publicKeyID]
        let claims: [String: Any] = [
            "iss": clientID, "sub": subjectID, "box_sub_type": subjectType,
            "aud": "https://api.box.com/oauth2/token", "jti": UUID().uuidString + UUID().uuidString, "exp": Int(now) + 30,
        ]
        let signed = BoxJWTConfig.base64URL(try JSONSerialization.data(withJSONObject: header, options: .sortedKeys)) + "."
            + BoxJWTConfig.base64URL(try JSONSerialization.data(withJSONObject: claims, options: .sortedKeys))
        let signature = try privateKey.signature(for: SHA256.hash(data: Data(signed.utf8)), padding: .insecurePKCS1v1_5)
        return signed + "." + BoxJWTConfig.base64URL(signature.rawRepresentation)
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
