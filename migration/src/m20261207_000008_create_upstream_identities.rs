//! Sign-in with another identity provider: the upstream identities linked to accounts
//! (one account per issuer and subject, one identity per upstream and account), and the
//! sign-ins on their way through an upstream, each redeemed once.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UpstreamIdentities::Table)
                    .col(string(UpstreamIdentities::Id).primary_key())
                    .col(string(UpstreamIdentities::UserId))
                    .col(string(UpstreamIdentities::UpstreamId))
                    .col(string(UpstreamIdentities::Issuer))
                    .col(string(UpstreamIdentities::Subject))
                    .col(string_null(UpstreamIdentities::Email))
                    .col(string_null(UpstreamIdentities::Username))
                    // The upstream's access token, sealed, only with `store_tokens`.
                    .col(binary_null(UpstreamIdentities::Tokens))
                    .col(big_integer(UpstreamIdentities::CreatedAt))
                    .col(big_integer_null(UpstreamIdentities::LastUsedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_upstream_identities_subject")
                    .table(UpstreamIdentities::Table)
                    .col(UpstreamIdentities::Issuer)
                    .col(UpstreamIdentities::Subject)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_upstream_identities_user")
                    .table(UpstreamIdentities::Table)
                    .col(UpstreamIdentities::UserId)
                    .col(UpstreamIdentities::UpstreamId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UpstreamLogins::Table)
                    .col(string(UpstreamLogins::Id).primary_key())
                    .col(string(UpstreamLogins::UpstreamId))
                    .col(string_null(UpstreamLogins::UserId))
                    .col(string(UpstreamLogins::Nonce))
                    .col(string(UpstreamLogins::CodeVerifier))
                    .col(text(UpstreamLogins::RequestId))
                    .col(big_integer(UpstreamLogins::ExpiresAt))
                    .col(big_integer_null(UpstreamLogins::UsedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(UpstreamLogins::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(UpstreamIdentities::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum UpstreamIdentities {
    Table,
    Id,
    UserId,
    UpstreamId,
    Issuer,
    Subject,
    Email,
    Username,
    Tokens,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum UpstreamLogins {
    Table,
    Id,
    UpstreamId,
    UserId,
    Nonce,
    CodeVerifier,
    RequestId,
    ExpiresAt,
    UsedAt,
}
