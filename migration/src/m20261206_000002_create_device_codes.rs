//! The Device Authorization Grant (RFC 8628): a device's request, found by the digest of
//! its device code or by the user code a person types, until it is decided and used.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DeviceCodes::Table)
                    .col(string(DeviceCodes::Id).primary_key())
                    .col(string(DeviceCodes::UserCode).unique_key())
                    .col(string(DeviceCodes::ClientId))
                    .col(text(DeviceCodes::Scope))
                    .col(string(DeviceCodes::Status))
                    .col(big_integer(DeviceCodes::IntervalSecs))
                    .col(big_integer_null(DeviceCodes::LastPolledAt))
                    .col(string_null(DeviceCodes::UserId))
                    .col(string_null(DeviceCodes::SessionId))
                    .col(big_integer(DeviceCodes::CreatedAt))
                    .col(big_integer(DeviceCodes::ExpiresAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(DeviceCodes::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum DeviceCodes {
    Table,
    Id,
    UserCode,
    ClientId,
    Scope,
    Status,
    IntervalSecs,
    LastPolledAt,
    UserId,
    SessionId,
    CreatedAt,
    ExpiresAt,
}
