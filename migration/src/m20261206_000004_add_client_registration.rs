//! Dynamic client registration (RFC 7591, RFC 7592): initial access tokens that open
//! `/register`, and the registration access token each registered client is managed with.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InitialAccessTokens::Table)
                    .col(string(InitialAccessTokens::Id).primary_key())
                    .col(big_integer(InitialAccessTokens::CreatedAt))
                    .col(big_integer(InitialAccessTokens::ExpiresAt))
                    .col(big_integer_null(InitialAccessTokens::UsedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(Clients::Table).add_column(string_null(Clients::RegistrationTokenHash)).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Clients::Table).drop_column(Clients::RegistrationTokenHash).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(InitialAccessTokens::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum InitialAccessTokens {
    Table,
    Id,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum Clients {
    Table,
    RegistrationTokenHash,
}
