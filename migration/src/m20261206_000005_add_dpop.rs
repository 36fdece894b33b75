//! DPoP (RFC 9449): the proofs seen, so a proof is accepted once; refresh tokens of
//! public clients and authorization codes bound to a key; clients that must always use DPoP.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DpopProofs::Table)
                    .col(string(DpopProofs::Id).primary_key())
                    .col(big_integer(DpopProofs::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(RefreshTokens::Table).add_column(string_null(RefreshTokens::DpopJkt)).to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AuthorizationCodes::Table)
                    .add_column(string_null(AuthorizationCodes::DpopJkt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Clients::Table)
                    .add_column(boolean(Clients::DpopBoundAccessTokens).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Clients::Table).drop_column(Clients::DpopBoundAccessTokens).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter().table(AuthorizationCodes::Table).drop_column(AuthorizationCodes::DpopJkt).to_owned(),
            )
            .await?;
        manager
            .alter_table(Table::alter().table(RefreshTokens::Table).drop_column(RefreshTokens::DpopJkt).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(DpopProofs::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum DpopProofs {
    Table,
    Id,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    DpopJkt,
}

#[derive(DeriveIden)]
enum AuthorizationCodes {
    Table,
    DpopJkt,
}

#[derive(DeriveIden)]
enum Clients {
    Table,
    DpopBoundAccessTokens,
}
