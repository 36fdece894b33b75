//! Pushed authorization requests (RFC 9126): each is redeemed once at `/authorize`.
//! Clients may be made to push every request.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PushedRequests::Table)
                    .col(string(PushedRequests::Id).primary_key())
                    .col(string(PushedRequests::ClientId))
                    .col(text(PushedRequests::Request))
                    .col(big_integer(PushedRequests::CreatedAt))
                    .col(big_integer(PushedRequests::ExpiresAt))
                    .col(big_integer_null(PushedRequests::UsedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Clients::Table)
                    .add_column(boolean(Clients::RequirePushedAuthorizationRequests).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Clients::Table)
                    .drop_column(Clients::RequirePushedAuthorizationRequests)
                    .to_owned(),
            )
            .await?;
        manager.drop_table(Table::drop().table(PushedRequests::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum PushedRequests {
    Table,
    Id,
    ClientId,
    Request,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum Clients {
    Table,
    RequirePushedAuthorizationRequests,
}
