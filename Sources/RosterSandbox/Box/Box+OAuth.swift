import Foundation
import Hummingbird

/// `POST /oauth2/token`: access tokens for the sandbox's Box app by Client Credentials Grant,
/// as Box's automation apps get them (fact sheet: api/box-memberships.md, "OAuth 2.0").
extension Box {
    /// The sandbox app's id and enterprise; its secret is `clientSecret`, public knowledge on
    /// loopback like the fixed tokens, fresh and printed anywhere else.
    static let clientID = "sandbox-client-id"
    static let enterpriseID = "sandbox-enterprise"
    /// Who an enterprise-subject token acts as. Box gives the app a service account of its own;
    /// the sandbox uses its admin, so the seeded people stay as they are (a departure, in the README).
    static let serviceAccount = BoxRecords.userID(1)

    /// Box's OAuth error body: `{"error", "error_description"}` (OAuth2Error), always 400.
    static func oauthError(_ error: String, _ description: String) -> VendorError {
        VendorError(status: .badRequest, body: ["error": .string(error), "error_description": .string(description)])
    }

    static let jwtGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    /// What a Box assertion's `aud` must be (the SDKs send it whatever their base URL).
    static let audience = "https://api.box.com/oauth2/token"

    /// Whom a JWT assertion asks a token for, once its signature and claims hold: signed by a
    /// key of the app, for this app and audience, expiring within 60 seconds, its `jti` unused.
    func subject(ofAssertion assertion: String) throws -> (String, String) {
        guard !jwtKeys.isEmpty else {
            throw Box.oauthError("invalid_grant", "This sandbox has no JWT app; start it with --box-jwt-config FILE")
        }
        guard let (kid, claims) = BoxJWTApp.verify(assertion, keys: jwtKeys) else {
            throw Box.oauthError("invalid_grant", "Signature verification error: the assertion is not signed by the app's key")
        }
        guard jwtKeys.contains(where: { $0.id == kid }) else { throw Box.oauthError("invalid_grant", "Please check the 'kid' value") }
        guard claims["iss"] as? String == Box.clientID else { throw Box.oauthError("invalid_grant", "Please check the 'iss' claim") }
        guard claims["aud"] as? String == Box.audience else { throw Box.oauthError("invalid_grant", "Please check the 'aud' claim") }
        let now = Date().timeIntervalSince1970
        guard let exp = (claims["exp"] as? NSNumber)?.doubleValue, exp > now, exp <= now + 60 else {
            throw Box.oauthError("invalid_grant", "Please check the 'exp' claim: it must be in the next 60 seconds")
        }
        guard let jti = claims["jti"] as? String, (16...128).contains(jti.count), seenAssertions.first(jti, expires: exp, now: now) else {
            throw Box.oauthError("invalid_grant", "Please check the 'jti' claim: a fresh id of 16 to 128 characters, used once")
        }
        guard let type = claims["box_sub_type"] as? String, let sub = claims["sub"] as? String else {
            throw Box.oauthError("invalid_grant", "Please check the 'sub' and 'box_sub_type' claims")
        }
        return (type, sub)
    }

    func issueToken(_ request: Request) async throws -> Response {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            throw Box.oauthError("invalid_request", "The body must be application/x-www-form-urlencoded")
        }
        let body = try await JSON.body(request) { Box.oauthError("invalid_request", "The body is too large") } ?? Data()
        let form = FormQuery(String(decoding: body, as: UTF8.self))
        guard let grant = form["grant_type"], !grant.isEmpty else {
            throw Box.oauthError("invalid_request", "Invalid grant_type parameter or parameter missing")
        }
        guard grant == "client_credentials" || grant == Substring(Box.jwtGrant) else {
            throw Box.oauthError("invalid_grant", "Invalid grant_type parameter or parameter missing")
        }
        guard form["client_id"] == Substring(Box.clientID), form["client_secret"] == Substring(clientSecret) else {
            throw Box.oauthError("invalid_client", "The client credentials are invalid")
        }
        let (subjectType, subjectID) = grant == Substring(Box.jwtGrant)
            ? try subject(ofAssertion: form["assertion"].map(String.init) ?? "")
            : (form["box_subject_type"].map(String.init) ?? "", form["box_subject_id"].map(String.init) ?? "")
        let ttl = tokenTTL
        let token = "box-oauth-" + (0..<4).map { _ in String(format: "%016llx", UInt64.random(in: .min ... .max)) }.joined()
        try await data.issueToken(token, subjectType: subjectType, subjectID: subjectID, ttl: ttl)
        return JSON.response(.ok, [
            "access_token": .string(token), "expires_in": .int(Int64(ttl)), "token_type": "bearer",
            "restricted_to": [], "issued_token_type": "urn:ietf:params:oauth:token-type:access_token",
        ])
    }
}
