//! The client form of the admin pages: what it shows of a client, and the client
//! configuration a submitted form describes.

use serde::Deserialize;

use crate::{
    config::{ClientConfig, SigningAlg},
    store::clients::Client,
};

/// The grant types the form offers, by checkbox name.
pub const GRANTS: [(&str, &str); 4] = [
    ("grant_authorization_code", "authorization_code"),
    ("grant_refresh_token", "refresh_token"),
    ("grant_client_credentials", "client_credentials"),
    ("grant_device_code", "urn:ietf:params:oauth:grant-type:device_code"),
];

/// A submitted client form. Browsers leave unticked boxes out.
#[derive(Deserialize, Default)]
pub struct ClientFields {
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    /// `public` or `confidential`; only when creating.
    #[serde(default)]
    kind: String,
    #[serde(default)]
    redirect_uris: String,
    #[serde(default)]
    post_logout_redirect_uris: String,
    #[serde(default)]
    backchannel_logout_uri: String,
    /// Empty for the provider's default.
    #[serde(default)]
    id_token_alg: String,
    skip_consent: Option<String>,
    grant_authorization_code: Option<String>,
    grant_refresh_token: Option<String>,
    grant_client_credentials: Option<String>,
    grant_device_code: Option<String>,
}

/// What the form shows: a stored client, or what was refused.
pub struct Shown {
    pub id: String,
    pub name: String,
    pub public: bool,
    pub redirect_uris: String,
    pub post_logout_redirect_uris: String,
    pub backchannel_logout_uri: String,
    pub id_token_alg: String,
    pub skip_consent: bool,
    /// Ticked grant types, in the order of `GRANTS`.
    pub grants: Vec<(&'static str, bool)>,
}

impl Shown {
    /// An empty form: a confidential client for the authorization code flow.
    pub fn new_client() -> Shown {
        let fields = ClientFields {
            grant_authorization_code: Some("on".into()),
            grant_refresh_token: Some("on".into()),
            ..ClientFields::default()
        };
        Shown::from(&fields)
    }
}

impl From<&Client> for Shown {
    fn from(client: &Client) -> Shown {
        Shown {
            id: client.id.clone(),
            name: client.name.clone(),
            public: client.is_public(),
            redirect_uris: client.redirect_uris.join("\n"),
            post_logout_redirect_uris: client.post_logout_redirect_uris.join("\n"),
            backchannel_logout_uri: client.backchannel_logout_uri.clone().unwrap_or_default(),
            id_token_alg: client.id_token_signed_response_alg.map(|a| a.as_str().to_owned()).unwrap_or_default(),
            skip_consent: client.skip_consent,
            grants: GRANTS.iter().map(|(field, grant)| (*field, client.allows_grant(grant))).collect(),
        }
    }
}

impl From<&ClientFields> for Shown {
    fn from(fields: &ClientFields) -> Shown {
        Shown {
            id: fields.id.clone(),
            name: fields.name.clone(),
            public: fields.kind == "public",
            redirect_uris: fields.redirect_uris.clone(),
            post_logout_redirect_uris: fields.post_logout_redirect_uris.clone(),
            backchannel_logout_uri: fields.backchannel_logout_uri.clone(),
            id_token_alg: fields.id_token_alg.clone(),
            skip_consent: fields.skip_consent.is_some(),
            grants: GRANTS.iter().zip(fields.ticked()).map(|((field, _), ticked)| (*field, ticked)).collect(),
        }
    }
}

impl ClientFields {
    fn ticked(&self) -> [bool; 4] {
        [
            self.grant_authorization_code.is_some(),
            self.grant_refresh_token.is_some(),
            self.grant_client_credentials.is_some(),
            self.grant_device_code.is_some(),
        ]
    }

    pub fn public(&self) -> bool {
        self.kind == "public"
    }

    /// The configuration the form describes, for client `id`. What the form does not
    /// show (introspection, pushed requests, DPoP, resources) is taken from `stored`.
    /// Refused: the catalogue key of what is wrong.
    pub fn config(&self, id: &str, stored: Option<&Client>) -> Result<ClientConfig, &'static str> {
        let lines = |text: &str| text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
        let id_token_signed_response_alg = match self.id_token_alg.as_str() {
            "" => None,
            name => Some(SigningAlg::parse(name).ok_or("admin-client-alg-unknown")?),
        };
        let grant_types =
            GRANTS.iter().zip(self.ticked()).filter(|(_, t)| *t).map(|((_, grant), _)| (*grant).to_owned()).collect();
        // `/admin/clients/new` is the page that creates one.
        if id.trim() == "new" {
            return Err("admin-client-id-reserved");
        }
        let name = self.name.trim();
        Ok(ClientConfig {
            id: id.trim().to_owned(),
            secret: None,
            redirect_uris: lines(&self.redirect_uris),
            post_logout_redirect_uris: lines(&self.post_logout_redirect_uris),
            name: (!name.is_empty()).then(|| name.to_owned()),
            skip_consent: self.skip_consent.is_some(),
            grant_types,
            backchannel_logout_uri: Some(self.backchannel_logout_uri.trim().to_owned()).filter(|u| !u.is_empty()),
            id_token_signed_response_alg,
            introspection: stored.is_some_and(|c| c.introspection),
            require_pushed_authorization_requests: stored.is_some_and(|c| c.require_pushed_authorization_requests),
            dpop_bound_access_tokens: stored.is_some_and(|c| c.dpop_bound_access_tokens),
            resources: stored.and_then(|c| c.resources.clone()),
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }
}
