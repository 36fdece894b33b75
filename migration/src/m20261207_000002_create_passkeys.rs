//! Passkeys (WebAuthn discoverable credentials): the random user handle each account
//! shows its authenticators, the credentials, and the ceremonies between their two
//! requests, kept here so that any replica may finish what another began.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PasskeyUsers::Table)
                    .col(string(PasskeyUsers::UserId).primary_key())
                    .col(string(PasskeyUsers::Handle).unique_key())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Passkeys::Table)
                    .col(string(Passkeys::Id).primary_key())
                    .col(string(Passkeys::UserId))
                    // No credential id is registered twice, to one account or to two.
                    .col(string(Passkeys::CredentialId).unique_key())
                    .col(string(Passkeys::Name))
                    .col(text(Passkeys::Credential))
                    // The authenticator's signature counter, compared and set in one statement.
                    .col(big_integer(Passkeys::SignCount))
                    .col(boolean(Passkeys::BackupEligible))
                    .col(big_integer(Passkeys::CreatedAt))
                    .col(big_integer_null(Passkeys::LastUsedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_passkeys_user").table(Passkeys::Table).col(Passkeys::UserId).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PasskeyCeremonies::Table)
                    .col(string(PasskeyCeremonies::Id).primary_key())
                    .col(string(PasskeyCeremonies::Purpose))
                    .col(string_null(PasskeyCeremonies::UserId))
                    .col(text(PasskeyCeremonies::State))
                    .col(big_integer(PasskeyCeremonies::ExpiresAt))
                    .col(big_integer_null(PasskeyCeremonies::UsedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(PasskeyCeremonies::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Passkeys::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(PasskeyUsers::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum PasskeyUsers {
    Table,
    UserId,
    Handle,
}

#[derive(DeriveIden)]
enum Passkeys {
    Table,
    Id,
    UserId,
    CredentialId,
    Name,
    Credential,
    SignCount,
    BackupEligible,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum PasskeyCeremonies {
    Table,
    Id,
    Purpose,
    UserId,
    State,
    ExpiresAt,
    UsedAt,
}
