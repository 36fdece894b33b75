//! Device details on sessions, and organizations with their members.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for column in [string_null(AuthSessions::DeviceId), string_null(AuthSessions::DeviceName)] {
            manager.alter_table(Table::alter().table(AuthSessions::Table).add_column(column).to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Organizations::Table)
                    .col(string(Organizations::Id).primary_key())
                    .col(string(Organizations::Name))
                    .col(big_integer(Organizations::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OrganizationMembers::Table)
                    .col(string(OrganizationMembers::OrganizationId))
                    .col(string(OrganizationMembers::UserId))
                    .col(string(OrganizationMembers::Role))
                    .col(big_integer(OrganizationMembers::CreatedAt))
                    .primary_key(
                        Index::create().col(OrganizationMembers::OrganizationId).col(OrganizationMembers::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrganizationMembers::Table, OrganizationMembers::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(OrganizationMembers::Table, OrganizationMembers::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_organization_members_user")
                    .table(OrganizationMembers::Table)
                    .col(OrganizationMembers::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(OrganizationMembers::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Organizations::Table).to_owned()).await?;
        for column in [AuthSessions::DeviceName, AuthSessions::DeviceId] {
            manager.alter_table(Table::alter().table(AuthSessions::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum AuthSessions {
    Table,
    DeviceId,
    DeviceName,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OrganizationMembers {
    Table,
    OrganizationId,
    UserId,
    Role,
    CreatedAt,
}
