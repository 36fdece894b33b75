//! The audit trail: security events (sign-ins, lockouts, sign-outs, token reuse,
//! password and MFA changes, client and key administration).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SecurityEvents::Table)
                    // Time-ordered: microseconds then random, so ordering by id is ordering by time.
                    .col(string(SecurityEvents::Id).primary_key())
                    .col(string(SecurityEvents::Kind))
                    .col(string_null(SecurityEvents::UserId))
                    .col(string_null(SecurityEvents::ClientId))
                    .col(string_null(SecurityEvents::Ip))
                    .col(string_null(SecurityEvents::UserAgent))
                    .col(big_integer(SecurityEvents::CreatedAt))
                    .col(text_null(SecurityEvents::Details))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_security_events_user", SecurityEvents::UserId),
            ("idx_security_events_kind", SecurityEvents::Kind),
            ("idx_security_events_created", SecurityEvents::CreatedAt),
        ] {
            manager
                .create_index(Index::create().name(name).table(SecurityEvents::Table).col(column).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(SecurityEvents::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum SecurityEvents {
    Table,
    Id,
    Kind,
    UserId,
    ClientId,
    Ip,
    UserAgent,
    CreatedAt,
    Details,
}
