//! One-time links that create the first administrator, printed by `serve` while there
//! is none; stored as digests.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SetupLinks::Table)
                    .col(string(SetupLinks::Id).primary_key())
                    .col(big_integer(SetupLinks::CreatedAt))
                    .col(big_integer(SetupLinks::ExpiresAt))
                    .col(big_integer_null(SetupLinks::UsedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SetupLinks::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum SetupLinks {
    Table,
    Id,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}
