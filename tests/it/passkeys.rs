//! Passkeys through the native API, with a software authenticator: enrolment, the
//! list, renaming and removal, signing in without an email, and every answer that
//! must be refused: another origin or relying party, a tampered signature, no user
//! verification, a replayed, expired or foreign ceremony, another account's
//! credential, a counter that goes backwards.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

use crate::common::{
    Backend, TestApp,
    api::{Api, text},
    authenticator::{Authenticator, origin_of, passkeys_on},
    claims_of,
};

const REGISTRATION_OPTIONS: &str = "/api/v1/auth/passkeys/registration/options";
const REGISTRATION: &str = "/api/v1/auth/passkeys/registration";
const LOGIN_OPTIONS: &str = "/api/v1/auth/passkeys/login/options";
const LOGIN: &str = "/api/v1/auth/passkeys/login";

pub(crate) async fn spawn(backend: Backend) -> (TestApp, Api) {
    let app = TestApp::spawn_with(backend, passkeys_on).await;
    let api = Api::new(&app.base);
    (app, api)
}

/// Registers the authenticator's passkey to the account of `access`; returns the answer.
pub(crate) async fn enrol(
    api: &Api,
    access: &str,
    authenticator: &mut Authenticator,
    name: &str,
) -> (StatusCode, Value) {
    let (status, options) = api.post(REGISTRATION_OPTIONS, Some(access), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{options}");
    let credential = authenticator.register(&options["publicKey"]);
    let body = json!({ "flowId": options["flowId"], "name": name, "credential": credential });
    api.post(REGISTRATION, Some(access), &body).await
}

/// Options for a sign-in: the flow id and the request options.
async fn login_options(api: &Api) -> (String, Value) {
    let (status, options) = api.post(LOGIN_OPTIONS, None, &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{options}");
    (text(&options, "flowId"), options["publicKey"].clone())
}

pub(crate) async fn sign_in(api: &Api, authenticator: &mut Authenticator) -> (StatusCode, Value) {
    let (flow_id, options) = login_options(api).await;
    let credential = authenticator.assert(&options);
    api.post(LOGIN, None, &json!({ "flowId": flow_id, "credential": credential })).await
}

async fn event_types(api: &Api, access: &str) -> Vec<String> {
    let (_, page) = api.get("/api/v1/auth/security-events", access).await;
    page["events"].as_array().expect("events").iter().map(|e| text(e, "type")).collect()
}

/// The `amr` of the session an access token belongs to.
async fn session_amr(app: &TestApp, access: &str) -> String {
    let sid = claims_of(access)["sid"].as_str().expect("sid").to_owned();
    let session = entity::auth_sessions::Entity::find_by_id(sid).one(&app.db).await.expect("read").expect("session");
    session.amr
}

async fn enrol_list_rename_remove_and_sign_in(backend: Backend) {
    let (app, api) = spawn(backend).await;
    let access = text(&api.signed_up("ada@example.org").await, "accessToken");
    let mut laptop = Authenticator::new(&origin_of(&app.base));

    let (status, options) = api.post(REGISTRATION_OPTIONS, Some(&access), &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{options}");
    let public_key = &options["publicKey"];
    assert_eq!(public_key["rp"]["id"], "localhost");
    assert_eq!(public_key["user"]["name"], "ada@example.org");
    assert_eq!(public_key["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(public_key["authenticatorSelection"]["requireResidentKey"], true);
    assert_eq!(public_key["authenticatorSelection"]["userVerification"], "required");
    assert!(public_key["challenge"].as_str().is_some_and(|c| c.len() >= 43), "{public_key}");

    let (status, added) = enrol(&api, &access, &mut laptop, "Laptop").await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(added["name"], "Laptop");
    assert!(added["lastUsedAt"].is_null());
    let id = text(&added, "id");

    // The second registration leaves out the passkey the account has.
    let (_, again) = api.post(REGISTRATION_OPTIONS, Some(&access), &json!({})).await;
    let excluded = again["publicKey"]["excludeCredentials"].as_array().expect("excluded").clone();
    assert_eq!(excluded.len(), 1);
    assert_eq!(excluded[0]["id"], base64_id(&laptop));

    let (status, signed_in) = sign_in(&api, &mut laptop).await;
    assert_eq!(status, StatusCode::OK, "{signed_in}");
    assert_eq!(signed_in["user"]["email"], "ada@example.org");
    let passkey_access = text(&signed_in, "accessToken");
    assert_eq!(api.validate(&passkey_access).await["valid"], true);
    assert_eq!(session_amr(&app, &passkey_access).await, "hwk user mfa", "a device-bound key, unlocked: two factors");

    let (status, listed) = api.get("/api/v1/auth/passkeys", &access).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["passkeys"].as_array().map(Vec::len), Some(1));
    assert_eq!(listed["passkeys"][0]["id"], id.as_str());
    assert!(listed["passkeys"][0]["lastUsedAt"].is_string(), "{listed}");

    let path = format!("/api/v1/auth/passkeys/{id}");
    let (status, renamed) =
        api.call(Method::PATCH, &path, Some(&access), Some(&json!({"name": " Work laptop "}))).await;
    assert_eq!((status, renamed["name"].as_str()), (StatusCode::OK, Some("Work laptop")));
    for bad in [json!({"name": "  "}), json!({"name": "tab\tname"}), json!({"name": "x", "other": 1})] {
        let (status, body) = api.call(Method::PATCH, &path, Some(&access), Some(&bad)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    let rename_unknown = json!({"name": "x"});
    let unknown = api.call(Method::PATCH, "/api/v1/auth/passkeys/nope", Some(&access), Some(&rename_unknown)).await;
    assert_eq!(unknown.0, StatusCode::NOT_FOUND);

    let types = event_types(&api, &access).await;
    assert!(types.iter().any(|t| t == "passkey.added") && types.iter().any(|t| t == "passkey.used"), "{types:?}");

    assert_eq!(api.call(Method::DELETE, &path, Some(&access), None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(api.call(Method::DELETE, &path, Some(&access), None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(api.get("/api/v1/auth/passkeys", &access).await.1["passkeys"], json!([]));
    assert!(event_types(&api, &access).await.iter().any(|t| t == "passkey.removed"));
    let (status, refused) = sign_in(&api, &mut laptop).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a removed passkey signs in nobody: {refused}");
}
crate::on_every_backend!(enrol_list_rename_remove_and_sign_in);

fn base64_id(authenticator: &Authenticator) -> String {
    URL_SAFE_NO_PAD.encode(&authenticator.credential_id)
}

async fn a_synced_passkey_without_a_counter_signs_in_again_and_again(backend: Backend) {
    let (app, api) = spawn(backend).await;
    let access = text(&api.signed_up("ada@example.org").await, "accessToken");
    let mut phone = Authenticator::synced(&origin_of(&app.base));
    assert_eq!(enrol(&api, &access, &mut phone, "Phone").await.0, StatusCode::CREATED);
    for _ in 0..2 {
        let (status, signed_in) = sign_in(&api, &mut phone).await;
        assert_eq!(status, StatusCode::OK, "{signed_in}");
        assert_eq!(session_amr(&app, &text(&signed_in, "accessToken")).await, "swk user mfa");
    }
}
crate::on_every_backend!(a_synced_passkey_without_a_counter_signs_in_again_and_again);

/// What is wrong with an answer, and how the authenticator is made to give it.
type Breakage = (&'static str, fn(&mut Authenticator));

async fn answers_that_do_not_verify_are_refused(backend: Backend) {
    let (app, api) = spawn(backend).await;
    let access = text(&api.signed_up("ada@example.org").await, "accessToken");
    let origin = origin_of(&app.base);
    let mut key = Authenticator::new(&origin);

    // At registration: another origin, another relying party, no user verification.
    let breakages: [Breakage; 3] = [
        ("another origin", |a| a.origin = "http://localhost:1".into()),
        ("another relying party", |a| a.rp_id = Some("evil.example".into())),
        ("no user verification", |a| a.verifies_user = false),
    ];
    for (what, break_it) in breakages {
        let mut broken = Authenticator::new(&origin);
        break_it(&mut broken);
        let (status, body) = enrol(&api, &access, &mut broken, "Broken").await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_credential")), "{what}");
    }
    assert_eq!(enrol(&api, &access, &mut key, "Key").await.0, StatusCode::CREATED);

    // At sign-in: the same, and a tampered signature, and an answer to another challenge.
    for (what, break_it) in breakages {
        let mut broken = key.clone();
        break_it(&mut broken);
        let (status, body) = sign_in(&api, &mut broken).await;
        assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_credential")), "{what}");
    }
    let (flow_id, options) = login_options(&api).await;
    let mut tampered = key.assert(&options);
    let mut signature = URL_SAFE_NO_PAD.decode(text(&tampered["response"], "signature")).expect("base64url");
    let last = signature.len() - 1;
    signature[last] ^= 1;
    tampered["response"]["signature"] = json!(URL_SAFE_NO_PAD.encode(signature));
    let (status, _) = api.post(LOGIN, None, &json!({ "flowId": flow_id, "credential": tampered })).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a tampered signature");

    let (flow_id, _) = login_options(&api).await;
    let (_, other_options) = login_options(&api).await;
    let for_another_challenge = key.assert(&other_options);
    let (status, _) = api.post(LOGIN, None, &json!({ "flowId": flow_id, "credential": for_another_challenge })).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "an answer to another challenge");

    let (status, body) = api.post(LOGIN, None, &json!({ "flowId": "x", "credential": {"id": 1} })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a malformed answer: {body}");

    let (status, signed_in) = sign_in(&api, &mut key).await;
    assert_eq!(status, StatusCode::OK, "the real key still signs in: {signed_in}");
    let failures = event_types(&api, &access).await.into_iter().filter(|t| t == "sign_in.failed").count();
    assert!(failures >= 5, "{failures} failures recorded");
}
crate::on_every_backend!(answers_that_do_not_verify_are_refused);

async fn a_ceremony_is_finished_once_by_its_own_account_before_it_expires(backend: Backend) {
    let (app, api) = spawn(backend).await;
    let ada = text(&api.signed_up("ada@example.org").await, "accessToken");
    let bob = text(&api.signed_up("bob@example.org").await, "accessToken");
    let origin = origin_of(&app.base);

    // Ada's registration cannot be finished by Bob, nor used to sign in.
    let (_, options) = api.post(REGISTRATION_OPTIONS, Some(&ada), &json!({})).await;
    let mut key = Authenticator::new(&origin);
    let credential = key.register(&options["publicKey"]);
    let body = json!({ "flowId": options["flowId"], "name": "Key", "credential": credential });
    let (status, refused) = api.post(REGISTRATION, Some(&bob), &body).await;
    assert_eq!((status, refused["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_flow")));
    // Bob's attempt used the ceremony up: Ada starts again.
    assert_eq!(api.post(REGISTRATION, Some(&ada), &body).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(enrol(&api, &ada, &mut key, "Key").await.0, StatusCode::CREATED);

    // A sign-in's flow id works once, even when two answers race for it.
    let (flow_id, options) = login_options(&api).await;
    let answer = json!({ "flowId": flow_id, "credential": key.assert(&options) });
    let (first, second) = tokio::join!(api.post(LOGIN, None, &answer), api.post(LOGIN, None, &answer));
    let mut statuses = [first.0, second.0];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::BAD_REQUEST], "{first:?} {second:?}");
    assert_eq!(api.post(LOGIN, None, &answer).await.1["error"], "invalid_flow", "replayed");

    // A sign-in's flow is no registration, and a registration's no sign-in.
    let (flow_id, options) = login_options(&api).await;
    let body =
        json!({ "flowId": flow_id, "name": "Key", "credential": Authenticator::new(&origin).register(&options) });
    assert_eq!(api.post(REGISTRATION, Some(&ada), &body).await.1["error"], "invalid_flow");
    let (_, options) = api.post(REGISTRATION_OPTIONS, Some(&ada), &json!({})).await;
    let answer = json!({ "flowId": options["flowId"], "credential": key.assert(&options["publicKey"]) });
    assert_eq!(api.post(LOGIN, None, &answer).await.1["error"], "invalid_flow");

    // Five minutes later the challenge is dead.
    let (flow_id, options) = login_options(&api).await;
    entity::passkey_ceremonies::Entity::update_many()
        .col_expr(entity::passkey_ceremonies::Column::ExpiresAt, Expr::value(mana_auth::store::now() - 1))
        .filter(entity::passkey_ceremonies::Column::Id.eq(flow_id.as_str()))
        .exec(&app.db)
        .await
        .expect("expire");
    let answer = json!({ "flowId": flow_id, "credential": key.assert(&options) });
    assert_eq!(api.post(LOGIN, None, &answer).await.1["error"], "invalid_flow", "expired");
    assert_eq!(sign_in(&api, &mut key).await.0, StatusCode::OK);
}
crate::on_every_backend!(a_ceremony_is_finished_once_by_its_own_account_before_it_expires);

async fn a_credential_belongs_to_one_account(backend: Backend) {
    let (app, api) = spawn(backend).await;
    let ada = text(&api.signed_up("ada@example.org").await, "accessToken");
    let bob = text(&api.signed_up("bob@example.org").await, "accessToken");
    let origin = origin_of(&app.base);
    let mut adas = Authenticator::new(&origin);
    assert_eq!(enrol(&api, &ada, &mut adas, "Key").await.0, StatusCode::CREATED);

    // The same credential cannot be registered again, to Bob or to Ada.
    let mut copy = adas.clone();
    let (status, body) = enrol(&api, &bob, &mut copy, "Stolen").await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("passkey_registered")), "{body}");
    let mut copy = adas.clone();
    let (status, body) = enrol(&api, &ada, &mut copy, "Again").await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("passkey_registered")), "{body}");

    // Bob's passkey answering with Ada's user handle signs in neither of them.
    let mut bobs = Authenticator::new(&origin);
    assert_eq!(enrol(&api, &bob, &mut bobs, "Key").await.0, StatusCode::CREATED);
    let mut posing = bobs.clone();
    posing.user_handle = adas.user_handle.clone();
    let (status, body) = sign_in(&api, &mut posing).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_credential")));
    // Nor does Ada's key with Bob's handle.
    let mut posing = adas.clone();
    posing.user_handle = bobs.user_handle.clone();
    assert_eq!(sign_in(&api, &mut posing).await.0, StatusCode::UNAUTHORIZED);

    let (_, signed_in) = sign_in(&api, &mut bobs).await;
    assert_eq!(signed_in["user"]["email"], "bob@example.org");
    let (_, signed_in) = sign_in(&api, &mut adas).await;
    assert_eq!(signed_in["user"]["email"], "ada@example.org");
}
crate::on_every_backend!(a_credential_belongs_to_one_account);

async fn a_counter_that_goes_backwards_refuses_the_sign_in_and_is_recorded(backend: Backend) {
    let (app, api) = spawn(backend).await;
    let access = text(&api.signed_up("ada@example.org").await, "accessToken");
    let mut key = Authenticator::new(&origin_of(&app.base));
    assert_eq!(enrol(&api, &access, &mut key, "Key").await.0, StatusCode::CREATED);
    assert_eq!(sign_in(&api, &mut key).await.0, StatusCode::OK);
    assert_eq!(sign_in(&api, &mut key).await.0, StatusCode::OK);

    // A clone that went on from an earlier count.
    let mut clone = key.clone();
    clone.counter = Some(1);
    let (status, body) = sign_in(&api, &mut clone).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_credential")), "{body}");
    assert!(event_types(&api, &access).await.iter().any(|t| t == "passkey.counter_regressed"));
    // The same count again is no step forward either.
    let mut same = key.clone();
    same.counter = Some(1);
    assert_eq!(sign_in(&api, &mut same).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(sign_in(&api, &mut key).await.0, StatusCode::OK, "the original goes on");
}
crate::on_every_backend!(a_counter_that_goes_backwards_refuses_the_sign_in_and_is_recorded);

async fn the_last_way_to_sign_in_is_kept(backend: Backend) {
    let (app, api) = spawn(backend).await;
    let access = text(&api.signed_up("ada@example.org").await, "accessToken");
    let origin = origin_of(&app.base);
    let (mut first, mut second) = (Authenticator::new(&origin), Authenticator::synced(&origin));
    let first_id = text(&enrol(&api, &access, &mut first, "First").await.1, "id");
    let second_id = text(&enrol(&api, &access, &mut second, "Second").await.1, "id");
    // An account without a password (as one carried over from another provider).
    let user = mana_auth::store::users::find_by_email(&app.db, "ada@example.org").await.expect("read").expect("ada");
    entity::users::Entity::update_many()
        .col_expr(entity::users::Column::PasswordHash, Expr::value(mana_auth::security::passwords::NO_PASSWORD))
        .filter(entity::users::Column::Id.eq(user.id.as_str()))
        .exec(&app.db)
        .await
        .expect("no password");

    let delete = |id: String| {
        let (api, access) = (&api, &access);
        async move { api.call(Method::DELETE, &format!("/api/v1/auth/passkeys/{id}"), Some(access), None).await }
    };
    // Removing both at once leaves one of them.
    let (a, b) = tokio::join!(delete(first_id.clone()), delete(second_id.clone()));
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::NO_CONTENT, StatusCode::CONFLICT], "{a:?} {b:?}");
    assert_eq!(b.1["error"].as_str().or(a.1["error"].as_str()), Some("last_sign_in_method"));
    let (_, listed) = api.get("/api/v1/auth/passkeys", &access).await;
    assert_eq!(listed["passkeys"].as_array().map(Vec::len), Some(1));
    let kept = text(&listed["passkeys"][0], "id");
    assert_eq!(delete(kept).await.0, StatusCode::CONFLICT);
}
crate::on_every_backend!(the_last_way_to_sign_in_is_kept);

async fn passkeys_are_off_while_the_issuer_is_an_ip_address(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    let access = text(&api.signed_up("ada@example.org").await, "accessToken");
    assert!(app.state.security.passkeys.is_none());
    for (method, path, bearer) in [
        (Method::POST, REGISTRATION_OPTIONS, Some(access.as_str())),
        (Method::GET, "/api/v1/auth/passkeys", Some(access.as_str())),
        (Method::POST, LOGIN_OPTIONS, None),
    ] {
        let (status, body) = api.call(method, path, bearer, Some(&json!({}))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
}
crate::on_every_backend!(passkeys_are_off_while_the_issuer_is_an_ip_address);
