//! Each rotated refresh token names the token it replaced (`parent_hash`), and a token
//! has at most one successor: a rotation is then one INSERT, and of two concurrent
//! rotations of one token the unique index lets exactly one through.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(RefreshTokens::Table)
                    .add_column(string_null(RefreshTokens::ParentHash))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_refresh_tokens_parent")
                    .table(RefreshTokens::Table)
                    .col(RefreshTokens::ParentHash)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("ux_refresh_tokens_parent").table(RefreshTokens::Table).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(RefreshTokens::Table).drop_column(RefreshTokens::ParentHash).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    ParentHash,
}
