//! A software authenticator: a P-256 key that answers WebAuthn ceremonies with real
//! attestation objects ("none" format) and signed assertions, as a browser hands them
//! to a page (`credential.toJSON()`). Its fields let a test break one thing at a time.

use aws_lc_rs::{
    rand::SystemRandom,
    signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ciborium::Value as Cbor;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const USER_PRESENT: u8 = 0x01;
const USER_VERIFIED: u8 = 0x04;
const BACKUP_ELIGIBLE: u8 = 0x08;
const BACKED_UP: u8 = 0x10;
const ATTESTED_CREDENTIAL: u8 = 0x40;

#[derive(Clone)]
pub struct Authenticator {
    /// The private key (PKCS#8): a clone of the authenticator holds the same key.
    pkcs8: Vec<u8>,
    pub credential_id: Vec<u8>,
    /// The account the passkey was made for (`user.id` of the creation options).
    pub user_handle: Option<Vec<u8>>,
    /// The origin the browser reports in the client data.
    pub origin: String,
    /// The relying party id whose hash goes into the authenticator data; by default
    /// the one the options name.
    pub rp_id: Option<String>,
    /// The signature counter; `None` for a passkey without one (synced passkeys).
    pub counter: Option<u32>,
    /// A passkey that may be synced between devices.
    pub synced: bool,
    /// Whether the person unlocked it (user verification).
    pub verifies_user: bool,
}

impl Authenticator {
    /// A device-bound passkey with a counter, used from `origin`.
    pub fn new(origin: &str) -> Authenticator {
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &SystemRandom::new()).expect("key");
        Authenticator {
            pkcs8: pkcs8.as_ref().to_vec(),
            credential_id: mana_auth::security::opaque::random_bytes(32),
            user_handle: None,
            origin: origin.to_owned(),
            rp_id: None,
            counter: Some(0),
            synced: false,
            verifies_user: true,
        }
    }

    /// A passkey that may be synced between devices, without a counter.
    pub fn synced(origin: &str) -> Authenticator {
        Authenticator { counter: None, synced: true, ..Authenticator::new(origin) }
    }

    /// Answers creation options (PublicKeyCredentialCreationOptionsJSON) with a new
    /// credential: RegistrationResponseJSON.
    pub fn register(&mut self, options: &Value) -> Value {
        self.user_handle = options["user"]["id"].as_str().map(decode);
        let client_data = self.client_data("webauthn.create", options);
        let mut auth_data = self.auth_data(options["rp"]["id"].as_str().unwrap_or_default(), ATTESTED_CREDENTIAL);
        auth_data.extend_from_slice(&[0; 16]);
        auth_data.extend_from_slice(&u16::try_from(self.credential_id.len()).expect("id length").to_be_bytes());
        auth_data.extend_from_slice(&self.credential_id);
        auth_data.extend(self.cose_key());
        let attestation = cbor(Cbor::Map(vec![
            (Cbor::Text("fmt".into()), Cbor::Text("none".into())),
            (Cbor::Text("attStmt".into()), Cbor::Map(vec![])),
            (Cbor::Text("authData".into()), Cbor::Bytes(auth_data)),
        ]));
        self.credential(json!({
            "clientDataJSON": URL_SAFE_NO_PAD.encode(client_data),
            "attestationObject": URL_SAFE_NO_PAD.encode(attestation),
            "transports": ["internal"],
        }))
    }

    /// Answers request options (PublicKeyCredentialRequestOptionsJSON) with a signed
    /// assertion naming the account: AuthenticationResponseJSON.
    pub fn assert(&mut self, options: &Value) -> Value {
        if let Some(counter) = &mut self.counter {
            *counter += 1;
        }
        let client_data = self.client_data("webauthn.get", options);
        let rp_id = options["rpId"].as_str().or(options["rp"]["id"].as_str()).expect("rpId");
        let auth_data = self.auth_data(rp_id, 0);
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let signature = self.key().sign(&SystemRandom::new(), &signed).expect("sign");
        self.credential(json!({
            "clientDataJSON": URL_SAFE_NO_PAD.encode(client_data),
            "authenticatorData": URL_SAFE_NO_PAD.encode(auth_data),
            "signature": URL_SAFE_NO_PAD.encode(signature.as_ref()),
            "userHandle": self.user_handle.as_ref().map(|handle| URL_SAFE_NO_PAD.encode(handle)),
        }))
    }

    /// A PublicKeyCredential as JSON around the authenticator's `response`.
    fn credential(&self, response: Value) -> Value {
        json!({
            "id": URL_SAFE_NO_PAD.encode(&self.credential_id),
            "rawId": URL_SAFE_NO_PAD.encode(&self.credential_id),
            "type": "public-key",
            "response": response,
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
        })
    }

    fn key(&self) -> EcdsaKeyPair {
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &self.pkcs8).expect("key")
    }

    fn client_data(&self, kind: &str, options: &Value) -> Vec<u8> {
        let challenge = options["challenge"].as_str().expect("challenge");
        serde_json::to_vec(
            &json!({ "type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": false }),
        )
        .expect("client data")
    }

    fn auth_data(&self, rp_id: &str, extra_flags: u8) -> Vec<u8> {
        let rp_id = self.rp_id.as_deref().unwrap_or(rp_id);
        let mut flags = USER_PRESENT | extra_flags;
        if self.verifies_user {
            flags |= USER_VERIFIED;
        }
        if self.synced {
            flags |= BACKUP_ELIGIBLE | BACKED_UP;
        }
        let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
        data.push(flags);
        data.extend_from_slice(&self.counter.unwrap_or(0).to_be_bytes());
        data
    }

    /// The public key as COSE (RFC 9053): EC2, ES256, P-256, x and y.
    fn cose_key(&self) -> Vec<u8> {
        let key = self.key();
        let point = key.public_key().as_ref();
        let (x, y) = point[1..].split_at(32);
        let int = |n: i64| Cbor::Integer(n.into());
        cbor(Cbor::Map(vec![
            (int(1), int(2)),
            (int(3), int(-7)),
            (int(-1), int(1)),
            (int(-2), Cbor::Bytes(x.to_vec())),
            (int(-3), Cbor::Bytes(y.to_vec())),
        ]))
    }
}

fn cbor(value: Cbor) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(&value, &mut out).expect("cbor");
    out
}

fn decode(value: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(value).expect("base64url")
}

/// Turns passkeys on for a test app on 127.0.0.1: the relying party is `localhost`,
/// used from the app's port on localhost, as a browser would.
pub fn passkeys_on(config: &mut mana_auth::config::Config) {
    let origin = config.issuer.replace("127.0.0.1", "localhost");
    config.webauthn.rp_id = Some("localhost".into());
    config.webauthn.origins = vec![origin];
}

/// The origin `passkeys_on` allows for this app.
pub fn origin_of(base: &str) -> String {
    base.replace("127.0.0.1", "localhost")
}
