//! Single-use tokens mailed to users: email verification and password reset. Only
//! their SHA-256 digests are stored.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(VerificationTokens::Table)
                    .col(string(VerificationTokens::Id).primary_key())
                    .col(string(VerificationTokens::UserId))
                    .col(string(VerificationTokens::Purpose))
                    .col(big_integer(VerificationTokens::CreatedAt))
                    .col(big_integer(VerificationTokens::ExpiresAt))
                    .col(big_integer_null(VerificationTokens::UsedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_verification_tokens_user")
                    .table(VerificationTokens::Table)
                    .col(VerificationTokens::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(VerificationTokens::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum VerificationTokens {
    Table,
    Id,
    UserId,
    Purpose,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}
