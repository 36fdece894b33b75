//! System accounts no longer store a balance: theirs is the sum of their entries, so a
//! spend writes no row that every other spend writes too. Their stored figures go to 0.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let zero = Query::update()
            .table(CreditAccounts::Table)
            .value(CreditAccounts::Balance, 0)
            .and_where(Expr::col(CreditAccounts::UserId).is_null())
            .to_owned();
        manager.exec_stmt(zero).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sum_of_entries = Expr::cust(
            "(SELECT COALESCE(SUM(amount), 0) FROM credit_entries WHERE credit_entries.account_id = credit_accounts.id)",
        );
        let restore = Query::update()
            .table(CreditAccounts::Table)
            .value(CreditAccounts::Balance, sum_of_entries)
            .and_where(Expr::col(CreditAccounts::UserId).is_null())
            .to_owned();
        manager.exec_stmt(restore).await
    }
}

#[derive(DeriveIden)]
enum CreditAccounts {
    Table,
    UserId,
    Balance,
}
