//! Tokens signed with our own keys but wrong in one way each are refused at every
//! place a token is accepted: userinfo, validate, credits, and the logout hint. The
//! forgeries are signed with the real private keys, so what refuses them is the check
//! under test, not a bad signature.

use aws_lc_rs::{
    rand::SystemRandom,
    signature::{Ed25519KeyPair, RSA_PKCS1_SHA256, RsaKeyPair},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use mana_auth::{keys::vault::Vault, store::now};
use serde_json::{Value, json};

use crate::common::{
    Backend, RP_LOGGED_OUT, TestApp,
    api::{Api, text},
    browser::Browser,
    claims_of,
};

/// The active keys' ids and private keys, as the server holds them.
struct Keys {
    ed_kid: String,
    ed: Ed25519KeyPair,
    rsa_kid: String,
    rsa: RsaKeyPair,
}

async fn active_keys(app: &TestApp) -> Keys {
    let vault = Vault::from_env().expect("vault");
    let rows = mana_auth::store::jwks::published(&app.db).await.expect("keys");
    let active = |alg: &str| rows.iter().find(|r| r.status == "active" && r.alg == alg).expect("active key");
    let (ed_row, rsa_row) = (active("EdDSA"), active("RS256"));
    Keys {
        ed: Ed25519KeyPair::from_pkcs8_maybe_unchecked(&vault.open(&ed_row.kid, &ed_row.private_der).expect("open"))
            .expect("ed25519"),
        ed_kid: ed_row.kid.clone(),
        rsa: RsaKeyPair::from_pkcs8(&vault.open(&rsa_row.kid, &rsa_row.private_der).expect("open")).expect("rsa"),
        rsa_kid: rsa_row.kid.clone(),
    }
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

impl Keys {
    /// Signs `header`.`claims` with the key its `alg` names.
    fn sign(&self, header: &Value, claims: &Value) -> String {
        let input = format!("{}.{}", b64(header), b64(claims));
        let signature = if header["alg"] == "RS256" {
            let mut signature = vec![0; self.rsa.public_modulus_len()];
            self.rsa.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), input.as_bytes(), &mut signature).expect("sign");
            signature
        } else {
            self.ed.sign(input.as_bytes()).as_ref().to_vec()
        };
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }

    fn ed_header(&self) -> Value {
        json!({"alg": "EdDSA", "typ": "at+jwt", "kid": self.ed_kid})
    }
}

/// Whether each place that takes an access token accepts `token`.
async fn accepted_anywhere(app: &TestApp, token: &str) -> [bool; 3] {
    let http = reqwest::Client::new();
    let userinfo = http.get(app.url("/userinfo")).bearer_auth(token).send().await.expect("userinfo");
    let credits = http.get(app.url("/api/v1/credits/balance")).bearer_auth(token).send().await.expect("credits");
    let validated = Api::new(&app.base).validate(token).await;
    [userinfo.status() == 200, validated["valid"] == true, credits.status() == 200]
}

async fn forged_tokens_are_refused_everywhere(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let keys = active_keys(&app).await;
    let api = Api::new(&app.base);
    let login = api.signed_up("ada@example.org").await;
    // The native API's tokens carry `credits`-free scopes; ask for a token that may
    // reach every place: the same claims with the credits scope, signed by us.
    let mut good = claims_of(&text(&login, "accessToken"));
    good["scope"] = json!("openid profile email credits");
    let control = keys.sign(&keys.ed_header(), &good);
    assert_eq!(accepted_anywhere(&app, &control).await, [true; 3], "the forging itself is sound");

    let with = |field: &str, value: Value| {
        let mut header = keys.ed_header();
        header[field] = value;
        keys.sign(&header, &good)
    };
    let claim = |field: &str, value: Value| {
        let mut claims = good.clone();
        claims[field] = value;
        keys.sign(&keys.ed_header(), &claims)
    };
    let attacker_jwk = json!({"kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode([7u8; 32])});
    let rsa_signed = keys.sign(&json!({"alg": "RS256", "typ": "at+jwt", "kid": keys.rsa_kid}), &good);
    let alg_swapped = {
        let mut header = keys.ed_header();
        header["kid"] = json!(keys.rsa_kid);
        keys.sign(&header, &good)
    };
    let at = now();
    let forgeries = [
        ("jku header", with("jku", json!("https://attacker.example/jwks.json"))),
        ("embedded jwk", with("jwk", attacker_jwk)),
        ("x5u header", with("x5u", json!("https://attacker.example/cert.pem"))),
        ("x5c header", with("x5c", json!(["MIIB"]))),
        ("unknown kid", with("kid", json!("not-one-of-ours"))),
        ("no kid", {
            let mut header = keys.ed_header();
            header.as_object_mut().expect("object").remove("kid");
            keys.sign(&header, &good)
        }),
        ("id_token typ", with("typ", json!("JWT"))),
        ("RS256 access token", rsa_signed),
        ("EdDSA signature under the RSA kid", alg_swapped),
        ("other audience", claim("aud", json!("https://elsewhere.example"))),
        ("other issuer", claim("iss", json!("https://attacker.example"))),
        ("not yet valid", claim("nbf", json!(at + 120))),
        ("expired a minute ago", claim("exp", json!(at - 60))),
        ("no exp", {
            let mut claims = good.clone();
            claims.as_object_mut().expect("object").remove("exp");
            keys.sign(&keys.ed_header(), &claims)
        }),
    ];
    for (name, token) in forgeries {
        assert_eq!(accepted_anywhere(&app, &token).await, [false; 3], "{name}");
    }
}
crate::on_every_backend!(forged_tokens_are_refused_everywhere);

/// The logout hint must be an id_token we issued to that client, with its algorithm.
async fn logout_hints_are_checked_like_tokens(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let keys = active_keys(&app).await;
    let user = app.user("ada@example.org").await;
    let at = now();
    let claims = json!({"iss": app.state.config.issuer, "sub": user.id, "aud": "rp", "exp": at + 300, "iat": at});
    let hint_status = |token: String| {
        let browser = Browser::new(&app.base);
        async move {
            let url = format!("/logout?id_token_hint={token}&post_logout_redirect_uri={RP_LOGGED_OUT}");
            browser.get(&url).await.status().as_u16()
        }
    };
    let ed = json!({"alg": "EdDSA", "typ": "JWT", "kid": keys.ed_kid});
    assert_eq!(hint_status(keys.sign(&ed, &claims)).await, 200, "a sound hint: the confirmation page");
    let mut expired = claims.clone();
    expired["exp"] = json!(at - 3_600);
    assert_eq!(hint_status(keys.sign(&ed, &expired)).await, 200, "an expired hint is still a hint");

    let rsa = json!({"alg": "RS256", "typ": "JWT", "kid": keys.rsa_kid});
    assert_eq!(hint_status(keys.sign(&rsa, &claims)).await, 400, "rp's id_tokens are EdDSA, not RS256");
    let mut for_rsa_client = claims.clone();
    for_rsa_client["aud"] = json!("rsa");
    let url = format!("/logout?id_token_hint={}", keys.sign(&rsa, &for_rsa_client));
    assert_eq!(Browser::new(&app.base).get(&url).await.status().as_u16(), 200, "the rsa client's hints are RS256");

    let mut jku = ed.clone();
    jku["jku"] = json!("https://attacker.example/jwks.json");
    assert_eq!(hint_status(keys.sign(&jku, &claims)).await, 400, "jku");
    let mut access = ed.clone();
    access["typ"] = json!("at+jwt");
    assert_eq!(hint_status(keys.sign(&access, &claims)).await, 400, "an access token is no id_token");
    let mut unknown_client = claims.clone();
    unknown_client["aud"] = json!("nobody");
    assert_eq!(hint_status(keys.sign(&ed, &unknown_client)).await, 400, "a client we do not know");
}
crate::on_every_backend!(logout_hints_are_checked_like_tokens);
