//! The `user` and `client` commands: accounts and relying parties managed from the
//! command line.

use std::io::Read;

use super::{CliError, ClientCommand, UserCommand};
use crate::{
    admin,
    config::{ClientConfig, Config, SigningAlg},
    security::passwords::Passwords,
    web::timestamp::rfc3339,
};

pub async fn user(command: UserCommand, config: Config) -> Result<(), CliError> {
    match command {
        UserCommand::Add { email, username, name, admin, .. } => {
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .map_err(|e| CliError::Failed(format!("reading the password: {e}")))?;
            let password = password.trim_end_matches(['\n', '\r']).to_owned();
            let db = crate::open_current(&config).await?;
            let passwords = Passwords::new(&config.passwords)?;
            let new = admin::users::AddUser { email, username, name, password };
            let user = admin::users::add(&db, &passwords, &config.credits, new).await?;
            if admin {
                admin::roles::grant_admin(&db, &user, admin::roles::By::Operator).await?;
            }
            let role = if admin { "administrator" } else { "user" };
            println!("created {role} {} ({})", user.id, user.email);
            Ok(())
        }
        UserCommand::GrantAdmin { email } => {
            let db = crate::open_current(&config).await?;
            let user = admin::setup::grant_admin_by_email(&db, &email).await?;
            println!("{} ({}) is an administrator", user.email, user.id);
            Ok(())
        }
        UserCommand::ForceReset { mail } => {
            let db = crate::open_current(&config).await?;
            let done = admin::force_reset::force_reset(&db, &config, mail).await?;
            println!(
                "passwords reset for {} user(s); {} session(s) ended; {} reset link(s) mailed",
                done.users, done.sessions, done.mailed
            );
            Ok(())
        }
        UserCommand::Passkeys { email, remove } => {
            let db = crate::open_current(&config).await?;
            match remove {
                Some(id) => {
                    admin::passkeys::remove(&db, &email, &id).await?;
                    println!("removed passkey {id} of {email}");
                }
                None => {
                    for passkey in admin::passkeys::list(&db, &email).await? {
                        let used = passkey.last_used_at.map_or_else(|| "never".to_owned(), rfc3339);
                        let added = rfc3339(passkey.created_at);
                        println!("{}  {}  added {added}  last used {used}", passkey.id, passkey.name);
                    }
                }
            }
            Ok(())
        }
        UserCommand::Delete { email } => {
            let db = crate::open_current(&config).await?;
            let state = crate::build_state_on(db, config).await?;
            let user_id = admin::users::delete(&state, &email).await?;
            println!("deleted user {user_id}");
            Ok(())
        }
    }
}

pub async fn client(command: ClientCommand, config: &Config) -> Result<(), CliError> {
    let db = crate::open_current(config).await?;
    match command {
        ClientCommand::Add(add) => {
            let id_token_signed_response_alg = match add.id_token_alg.as_deref() {
                Some(name) => Some(
                    SigningAlg::parse(name)
                        .ok_or_else(|| CliError::Failed(format!("--id-token-alg: unknown algorithm `{name}`")))?,
                ),
                None => None,
            };
            let grant_types = if add.grant_types.is_empty() {
                vec!["authorization_code".into(), "refresh_token".into()]
            } else {
                add.grant_types
            };
            let client = ClientConfig {
                id: add.id,
                secret: None,
                redirect_uris: add.redirect_uris,
                post_logout_redirect_uris: add.post_logout_redirect_uris,
                name: add.name,
                skip_consent: add.skip_consent,
                grant_types,
                backchannel_logout_uri: add.backchannel_logout_uri,
                id_token_signed_response_alg,
                introspection: add.introspection,
                require_pushed_authorization_requests: add.require_pushed_authorization_requests,
                dpop_bound_access_tokens: add.dpop_bound_access_tokens,
                resources: (!add.resources.is_empty()).then_some(add.resources),
            };
            let id = client.id.clone();
            match admin::clients::add(&db, client, add.public, admin::clients::By::Operator).await? {
                Some(secret) => {
                    println!("client {id} added\nclient_secret: {secret}\n(shown once; only its digest is stored)")
                }
                None => println!("public client {id} added"),
            }
        }
        ClientCommand::List => {
            for c in admin::clients::list(&db).await? {
                let kind = match (c.is_public(), c.introspection) {
                    (true, _) => "public",
                    (false, true) => "confidential,introspection",
                    (false, false) => "confidential",
                };
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    c.id,
                    kind,
                    c.source,
                    c.grant_types.join(","),
                    c.redirect_uris.join(" ")
                );
            }
        }
        ClientCommand::Remove { id } => {
            admin::clients::remove(&db, &id, admin::clients::By::Operator).await?;
            println!("client {id} removed");
        }
        ClientCommand::Token => {
            println!("{}", admin::clients::initial_access_token(&db).await?);
        }
    }
    Ok(())
}
