//! Sign-in providers added on the admin pages, beside those of `[[upstreams]]` in the
//! configuration file: the same settings, the client secret sealed with the secrets key.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Upstreams::Table)
                    .col(string(Upstreams::Id).primary_key())
                    .col(string(Upstreams::Name))
                    .col(string(Upstreams::Kind))
                    .col(string_null(Upstreams::Issuer))
                    .col(string_null(Upstreams::ApiUrl))
                    .col(string(Upstreams::ClientId))
                    .col(binary(Upstreams::ClientSecret))
                    // Space-separated; null for the kind's defaults.
                    .col(string_null(Upstreams::Scopes))
                    .col(string(Upstreams::ClaimUsername))
                    .col(string(Upstreams::ClaimName))
                    .col(string(Upstreams::ClaimEmail))
                    .col(boolean(Upstreams::AutoCreate))
                    .col(boolean(Upstreams::LinkByVerifiedEmail))
                    .col(boolean(Upstreams::TrustMfa))
                    .col(boolean(Upstreams::StoreTokens))
                    .col(big_integer(Upstreams::CreatedAt))
                    .col(big_integer(Upstreams::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Upstreams::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Upstreams {
    Table,
    Id,
    Name,
    Kind,
    Issuer,
    ApiUrl,
    ClientId,
    ClientSecret,
    Scopes,
    ClaimUsername,
    ClaimName,
    ClaimEmail,
    AutoCreate,
    LinkByVerifiedEmail,
    TrustMfa,
    StoreTokens,
    CreatedAt,
    UpdatedAt,
}
