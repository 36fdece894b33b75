//! The outbox of alerts: one row per event and target, sent once by one replica, kept
//! across restarts until it is delivered or given up.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(string(Notifications::Id).primary_key())
                    .col(string(Notifications::Target))
                    .col(string(Notifications::Event))
                    .col(text(Notifications::Text))
                    .col(big_integer(Notifications::CreatedAt))
                    .col(big_integer(Notifications::Attempts))
                    .col(big_integer(Notifications::NextAt))
                    .col(big_integer_null(Notifications::SentAt))
                    .col(big_integer_null(Notifications::GivenUpAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("notifications_pending")
                    .table(Notifications::Table)
                    .col(Notifications::SentAt)
                    .col(Notifications::NextAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Notifications::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    Target,
    Event,
    Text,
    CreatedAt,
    Attempts,
    NextAt,
    SentAt,
    GivenUpAt,
}
