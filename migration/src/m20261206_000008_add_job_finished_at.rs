//! When a claimed job run finished, so that every replica can tell how old the newest
//! scheduled backup is, whichever replica wrote it.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(JobRuns::Table).add_column(big_integer_null(JobRuns::FinishedAt)).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(JobRuns::Table).drop_column(JobRuns::FinishedAt).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum JobRuns {
    Table,
    FinishedAt,
}
