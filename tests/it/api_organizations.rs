//! Native API: B2B registration, organizations and their members.

use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    common::{
        Backend, PASSWORD, TestApp,
        api::{Api, text},
    },
    on_every_backend,
};

async fn b2b(api: &Api, organization: &str, owner: &str) -> (u16, Value) {
    let body =
        json!({"organizationName": organization, "ownerEmail": owner, "ownerPassword": PASSWORD, "ownerName": "Owner"});
    let (status, body) = api.post("/api/v1/auth/register/b2b", None, &body).await;
    (status.as_u16(), body)
}

async fn organizations_have_owners_admins_and_members(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    let (status, created) = b2b(&api, "Acme", "boss@example.org").await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["organization"]["role"], "owner");
    let org = text(&created["organization"], "id");
    let boss = text(&api.login("boss@example.org", None).await, "accessToken");
    let (_, mine) = api.get("/api/v1/auth/organizations", &boss).await;
    assert_eq!(mine, json!([created["organization"]]));

    let admin = api.signed_up("admin@example.org").await;
    let admin_token = text(&admin, "accessToken");
    let member_token = text(&api.signed_up("member@example.org").await, "accessToken");
    let outsider_token = text(&api.signed_up("out@example.org").await, "accessToken");
    let members_path = format!("/api/v1/organizations/{org}/members");
    let add = |email: &str, role: &str| json!({"email": email, "role": role});

    let (status, added) = api.post(&members_path, Some(&boss), &add("admin@example.org", "admin")).await;
    assert_eq!(status, 201, "{added}");
    assert_eq!(added["role"], "admin");
    assert_eq!(api.post(&members_path, Some(&admin_token), &add("member@example.org", "member")).await.0, 201);
    assert_eq!(api.post(&members_path, Some(&admin_token), &add("out@example.org", "owner")).await.0, 403);
    assert_eq!(api.post(&members_path, Some(&member_token), &add("out@example.org", "member")).await.0, 403);
    assert_eq!(api.post(&members_path, Some(&boss), &add("member@example.org", "member")).await.0, 409);
    assert_eq!(api.post(&members_path, Some(&boss), &add("ghost@example.org", "member")).await.0, 404);
    assert_eq!(api.post(&members_path, Some(&boss), &add("out@example.org", "emperor")).await.0, 400);
    assert_eq!(api.get(&members_path, &outsider_token).await.0, 404, "outsiders do not see the organization");

    let (status, members) = api.get(&members_path, &member_token).await;
    assert_eq!(status, 200);
    let mut roles: Vec<(&str, &str)> = members
        .as_array()
        .expect("list")
        .iter()
        .map(|m| (m["email"].as_str().unwrap_or(""), m["role"].as_str().unwrap_or("")))
        .collect();
    roles.sort_unstable();
    assert_eq!(
        roles,
        [("admin@example.org", "admin"), ("boss@example.org", "owner"), ("member@example.org", "member")]
    );

    let owner = members.as_array().expect("list").iter().find(|m| m["role"] == "owner").expect("an owner");
    let boss_id = text(owner, "userId");
    let admin_id = text(&admin["user"], "id");
    let remove = |user: &str| format!("{members_path}/{user}");
    assert_eq!(api.call(Method::DELETE, &remove(&boss_id), Some(&admin_token), None).await.0, 403);
    let (status, body) = api.call(Method::DELETE, &remove(&boss_id), Some(&boss), None).await;
    assert_eq!((status.as_u16(), body["error"].as_str()), (409, Some("last_owner")));
    assert_eq!(api.call(Method::DELETE, &remove(&admin_id), Some(&boss), None).await.0, 200);
    assert_eq!(api.call(Method::DELETE, &remove(&admin_id), Some(&boss), None).await.0, 404);
    assert_eq!(api.get(&members_path, &admin_token).await.0, 404, "a removed admin is an outsider");
}
on_every_backend!(organizations_have_owners_admins_and_members);

async fn b2b_registration_is_all_or_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    let taken = api.signed_up("taken@example.org").await;
    let (status, body) = b2b(&api, "Second", "taken@example.org").await;
    assert_eq!((status, body["error"].as_str()), (409, Some("email_taken")));
    let (_, mine) = api.get("/api/v1/auth/organizations", &text(&taken, "accessToken")).await;
    assert_eq!(mine, json!([]));
    assert_eq!(b2b(&api, "  ", "new@example.org").await.0, 400);
    assert_eq!(
        api.post("/api/v1/auth/login", None, &json!({"email": "new@example.org", "password": PASSWORD})).await.0,
        401
    );
}
on_every_backend!(b2b_registration_is_all_or_nothing);

/// Two owners leaving at once: one may go, the other must stay.
async fn the_last_owner_survives_concurrent_removals(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    let (_, created) = b2b(&api, "Duo", "one@example.org").await;
    let org = text(&created["organization"], "id");
    let one = api.login("one@example.org", None).await;
    let two = api.signed_up("two@example.org").await;
    let path = format!("/api/v1/organizations/{org}/members");
    assert_eq!(
        api.post(&path, Some(&text(&one, "accessToken")), &json!({"email": "two@example.org", "role": "owner"}))
            .await
            .0,
        201
    );
    let api = &api;
    let leave = |tokens: &Value| {
        let user = text(&tokens["user"], "id");
        let token = text(tokens, "accessToken");
        let path = format!("{path}/{user}");
        async move { api.call(Method::DELETE, &path, Some(&token), None).await.0.as_u16() }
    };
    let (a, b) = tokio::join!(leave(&one), leave(&two));
    let mut statuses = [a, b];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);
}
on_every_backend!(the_last_owner_survives_concurrent_removals);
