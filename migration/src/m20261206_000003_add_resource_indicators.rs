//! Resource indicators (RFC 8707): the resource servers a client may ask tokens for,
//! and the resource an authorization code was asked for.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(Clients::Table).add_column(text_null(Clients::Resources)).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AuthorizationCodes::Table)
                    .add_column(string_null(AuthorizationCodes::Resource))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(AuthorizationCodes::Table).drop_column(AuthorizationCodes::Resource).to_owned(),
            )
            .await?;
        manager.alter_table(Table::alter().table(Clients::Table).drop_column(Clients::Resources).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Clients {
    Table,
    Resources,
}

#[derive(DeriveIden)]
enum AuthorizationCodes {
    Table,
    Resource,
}
