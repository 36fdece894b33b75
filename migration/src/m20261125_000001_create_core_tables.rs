//! Users, clients, keys, sessions, codes, refresh tokens and consents.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in account_tables().into_iter().chain(session_tables()) {
            manager.create_table(table).await?;
        }
        for index in indexes() {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Consents::Table.into_iden(),
            RefreshTokens::Table.into_iden(),
            AuthorizationCodes::Table.into_iden(),
            AuthSessions::Table.into_iden(),
            BrowserSessions::Table.into_iden(),
            Jwks::Table.into_iden(),
            Clients::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

/// Users, clients and keys.
fn account_tables() -> Vec<TableCreateStatement> {
    vec![
        Table::create()
            .table(Users::Table)
            .col(string(Users::Id).primary_key())
            .col(string_uniq(Users::Email))
            .col(string_null(Users::Username).unique_key())
            .col(string_null(Users::Name))
            .col(string(Users::PasswordHash))
            .col(boolean(Users::EmailVerified))
            .col(string(Users::Role))
            .col(big_integer(Users::CreatedAt))
            .col(big_integer(Users::UpdatedAt))
            .to_owned(),
        Table::create()
            .table(Clients::Table)
            .col(string(Clients::Id).primary_key())
            .col(string_null(Clients::SecretHash))
            .col(string(Clients::Name))
            .col(text(Clients::RedirectUris))
            .col(text(Clients::PostLogoutRedirectUris))
            .col(text(Clients::GrantTypes))
            .col(boolean(Clients::SkipConsent))
            .col(text_null(Clients::BackchannelLogoutUri))
            .col(string_null(Clients::IdTokenSignedResponseAlg))
            .col(string(Clients::Source))
            .col(big_integer(Clients::CreatedAt))
            .to_owned(),
        Table::create()
            .table(Jwks::Table)
            .col(string(Jwks::Kid).primary_key())
            .col(string(Jwks::Alg))
            .col(string(Jwks::Status))
            .col(blob(Jwks::PrivateDer))
            .col(text(Jwks::PublicJwk))
            .col(big_integer(Jwks::CreatedAt))
            .col(big_integer_null(Jwks::ActivatedAt))
            .col(big_integer_null(Jwks::RetiredAt))
            .to_owned(),
    ]
}

/// Sessions and the grants issued under them.
fn session_tables() -> Vec<TableCreateStatement> {
    vec![
        Table::create()
            .table(BrowserSessions::Table)
            .col(string(BrowserSessions::Id).primary_key())
            .col(text(BrowserSessions::Data))
            .col(big_integer(BrowserSessions::ExpiresAt))
            .to_owned(),
        Table::create()
            .table(AuthSessions::Table)
            .col(string(AuthSessions::Id).primary_key())
            .col(string(AuthSessions::UserId))
            .col(big_integer(AuthSessions::AuthTime))
            .col(big_integer(AuthSessions::CreatedAt))
            .col(big_integer(AuthSessions::LastUsedAt))
            .col(big_integer(AuthSessions::ExpiresAt))
            .col(big_integer_null(AuthSessions::RevokedAt))
            .col(text_null(AuthSessions::UserAgent))
            .col(string_null(AuthSessions::Ip))
            .foreign_key(
                ForeignKey::create()
                    .from(AuthSessions::Table, AuthSessions::UserId)
                    .to(Users::Table, Users::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            )
            .to_owned(),
        Table::create()
            .table(AuthorizationCodes::Table)
            .col(string(AuthorizationCodes::CodeHash).primary_key())
            .col(string(AuthorizationCodes::ClientId))
            .col(string(AuthorizationCodes::UserId))
            .col(string(AuthorizationCodes::SessionId))
            .col(text(AuthorizationCodes::RedirectUri))
            .col(text(AuthorizationCodes::Scope))
            .col(text_null(AuthorizationCodes::Nonce))
            .col(string_null(AuthorizationCodes::CodeChallenge))
            .col(big_integer(AuthorizationCodes::AuthTime))
            .col(big_integer(AuthorizationCodes::CreatedAt))
            .col(big_integer(AuthorizationCodes::ExpiresAt))
            .col(big_integer_null(AuthorizationCodes::UsedAt))
            .col(string_null(AuthorizationCodes::FamilyId))
            .foreign_key(
                ForeignKey::create()
                    .from(AuthorizationCodes::Table, AuthorizationCodes::UserId)
                    .to(Users::Table, Users::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            )
            .to_owned(),
        Table::create()
            .table(RefreshTokens::Table)
            .col(string(RefreshTokens::TokenHash).primary_key())
            .col(string(RefreshTokens::FamilyId))
            .col(string(RefreshTokens::ClientId))
            .col(string(RefreshTokens::UserId))
            .col(string_null(RefreshTokens::SessionId))
            .col(text(RefreshTokens::Scope))
            .col(big_integer(RefreshTokens::AuthTime))
            .col(string(RefreshTokens::AccessJti))
            .col(big_integer(RefreshTokens::CreatedAt))
            .col(big_integer(RefreshTokens::ExpiresAt))
            .col(big_integer_null(RefreshTokens::UsedAt))
            .col(big_integer_null(RefreshTokens::RevokedAt))
            .foreign_key(
                ForeignKey::create()
                    .from(RefreshTokens::Table, RefreshTokens::UserId)
                    .to(Users::Table, Users::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            )
            .to_owned(),
        Table::create()
            .table(Consents::Table)
            .col(string(Consents::UserId))
            .col(string(Consents::ClientId))
            .col(text(Consents::Scope))
            .col(big_integer(Consents::GrantedAt))
            .primary_key(Index::create().col(Consents::UserId).col(Consents::ClientId))
            .foreign_key(
                ForeignKey::create()
                    .from(Consents::Table, Consents::UserId)
                    .to(Users::Table, Users::Id)
                    .on_delete(ForeignKeyAction::Cascade),
            )
            .to_owned(),
    ]
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        Index::create()
            .name("idx_refresh_tokens_family")
            .table(RefreshTokens::Table)
            .col(RefreshTokens::FamilyId)
            .to_owned(),
        Index::create()
            .name("idx_refresh_tokens_session")
            .table(RefreshTokens::Table)
            .col(RefreshTokens::SessionId)
            .to_owned(),
        Index::create()
            .name("idx_refresh_tokens_access_jti")
            .table(RefreshTokens::Table)
            .col(RefreshTokens::AccessJti)
            .to_owned(),
        Index::create()
            .name("idx_authorization_codes_session")
            .table(AuthorizationCodes::Table)
            .col(AuthorizationCodes::SessionId)
            .to_owned(),
        Index::create().name("idx_auth_sessions_user").table(AuthSessions::Table).col(AuthSessions::UserId).to_owned(),
        Index::create()
            .name("idx_browser_sessions_expires")
            .table(BrowserSessions::Table)
            .col(BrowserSessions::ExpiresAt)
            .to_owned(),
    ]
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    Username,
    Name,
    PasswordHash,
    EmailVerified,
    Role,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Clients {
    Table,
    Id,
    SecretHash,
    Name,
    RedirectUris,
    PostLogoutRedirectUris,
    GrantTypes,
    SkipConsent,
    BackchannelLogoutUri,
    IdTokenSignedResponseAlg,
    Source,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Jwks {
    Table,
    Kid,
    Alg,
    Status,
    PrivateDer,
    PublicJwk,
    CreatedAt,
    ActivatedAt,
    RetiredAt,
}

#[derive(DeriveIden)]
enum BrowserSessions {
    Table,
    Id,
    Data,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum AuthSessions {
    Table,
    Id,
    UserId,
    AuthTime,
    CreatedAt,
    LastUsedAt,
    ExpiresAt,
    RevokedAt,
    UserAgent,
    Ip,
}

#[derive(DeriveIden)]
enum AuthorizationCodes {
    Table,
    CodeHash,
    ClientId,
    UserId,
    SessionId,
    RedirectUri,
    Scope,
    Nonce,
    CodeChallenge,
    AuthTime,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    FamilyId,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    TokenHash,
    FamilyId,
    ClientId,
    UserId,
    SessionId,
    Scope,
    AuthTime,
    AccessJti,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Consents {
    Table,
    UserId,
    ClientId,
    Scope,
    GrantedAt,
}
