//! TOTP second factor: one sealed secret per user (confirmed once a first code
//! matched), hashed one-time recovery codes, and the methods each session was
//! authenticated with (`amr`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TotpCredentials::Table)
                    .col(string(TotpCredentials::UserId).primary_key())
                    .col(binary(TotpCredentials::SealedSecret))
                    .col(big_integer(TotpCredentials::CreatedAt))
                    .col(big_integer_null(TotpCredentials::ConfirmedAt))
                    // The newest 30-second step a code was accepted for: no code works twice.
                    .col(big_integer(TotpCredentials::LastStep))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RecoveryCodes::Table)
                    .col(string(RecoveryCodes::Id).primary_key())
                    .col(string(RecoveryCodes::UserId))
                    .col(big_integer(RecoveryCodes::CreatedAt))
                    .col(big_integer_null(RecoveryCodes::UsedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_recovery_codes_user")
                    .table(RecoveryCodes::Table)
                    .col(RecoveryCodes::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AuthSessions::Table)
                    .add_column(string(AuthSessions::Amr).default("pwd"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(AuthSessions::Table).drop_column(AuthSessions::Amr).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(RecoveryCodes::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(TotpCredentials::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum TotpCredentials {
    Table,
    UserId,
    SealedSecret,
    CreatedAt,
    ConfirmedAt,
    LastStep,
}

#[derive(DeriveIden)]
enum RecoveryCodes {
    Table,
    Id,
    UserId,
    CreatedAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum AuthSessions {
    Table,
    Amr,
}
