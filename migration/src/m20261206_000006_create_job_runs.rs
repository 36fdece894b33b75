//! Scheduled jobs claimed per tick, so that of the replicas sharing a database exactly
//! one runs each backup, clean-up and key rotation.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(JobRuns::Table)
                    .col(string(JobRuns::Job))
                    .col(big_integer(JobRuns::Tick))
                    .col(big_integer(JobRuns::ClaimedAt))
                    .primary_key(Index::create().col(JobRuns::Job).col(JobRuns::Tick))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(JobRuns::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum JobRuns {
    Table,
    Job,
    Tick,
    ClaimedAt,
}
