//! Of a mailed email-change link: the address it confirms.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let column = string_null(VerificationTokens::NewEmail);
        manager.alter_table(Table::alter().table(VerificationTokens::Table).add_column(column).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table =
            Table::alter().table(VerificationTokens::Table).drop_column(VerificationTokens::NewEmail).to_owned();
        manager.alter_table(table).await
    }
}

#[derive(DeriveIden)]
enum VerificationTokens {
    Table,
    NewEmail,
}
