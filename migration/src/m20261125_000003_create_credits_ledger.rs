//! The credits ledger: accounts (wallets and system accounts), transactions and their
//! double entries, packages, purchases, idempotency keys and processed webhook events.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in tables() {
            manager.create_table(table).await?;
        }
        for index in indexes() {
            manager.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WebhookEvents::Table.into_iden(),
            IdempotencyKeys::Table.into_iden(),
            CreditPurchases::Table.into_iden(),
            CreditPackages::Table.into_iden(),
            CreditEntries::Table.into_iden(),
            CreditTransactions::Table.into_iden(),
            CreditAccounts::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

fn tables() -> Vec<TableCreateStatement> {
    vec![
        Table::create()
            .table(CreditAccounts::Table)
            .col(string(CreditAccounts::Id).primary_key())
            .col(string_null(CreditAccounts::UserId))
            .col(string(CreditAccounts::Kind))
            .col(big_integer(CreditAccounts::Balance))
            .col(big_integer(CreditAccounts::Version))
            .col(big_integer(CreditAccounts::CreatedAt))
            .to_owned(),
        Table::create()
            .table(CreditTransactions::Table)
            .col(string(CreditTransactions::Id).primary_key())
            .col(string_null(CreditTransactions::UserId))
            .col(string(CreditTransactions::Kind))
            .col(big_integer(CreditTransactions::Amount))
            .col(big_integer(CreditTransactions::FromFree))
            .col(big_integer(CreditTransactions::FromPaid))
            .col(big_integer(CreditTransactions::BalanceAfter))
            .col(string_null(CreditTransactions::AppId))
            .col(text_null(CreditTransactions::Description))
            .col(text_null(CreditTransactions::Metadata))
            .col(string_null(CreditTransactions::Reference).unique_key())
            .col(big_integer(CreditTransactions::CreatedAt))
            .to_owned(),
        Table::create()
            .table(CreditEntries::Table)
            .col(string(CreditEntries::Id).primary_key())
            .col(string(CreditEntries::TransactionId))
            .col(string(CreditEntries::AccountId))
            .col(big_integer(CreditEntries::Amount))
            .foreign_key(
                ForeignKey::create()
                    .from(CreditEntries::Table, CreditEntries::TransactionId)
                    .to(CreditTransactions::Table, CreditTransactions::Id),
            )
            .foreign_key(
                ForeignKey::create()
                    .from(CreditEntries::Table, CreditEntries::AccountId)
                    .to(CreditAccounts::Table, CreditAccounts::Id),
            )
            .to_owned(),
        Table::create()
            .table(CreditPackages::Table)
            .col(string(CreditPackages::Id).primary_key())
            .col(string(CreditPackages::Name))
            .col(big_integer(CreditPackages::Credits))
            .col(big_integer(CreditPackages::PriceCents))
            .col(string(CreditPackages::Currency))
            .col(boolean(CreditPackages::Active))
            .to_owned(),
        Table::create()
            .table(CreditPurchases::Table)
            .col(string(CreditPurchases::Id).primary_key())
            .col(string(CreditPurchases::UserId))
            .col(string(CreditPurchases::PackageId))
            .col(big_integer(CreditPurchases::Credits))
            .col(big_integer(CreditPurchases::PriceCents))
            .col(string(CreditPurchases::Currency))
            .col(string(CreditPurchases::Status))
            .col(big_integer(CreditPurchases::CreatedAt))
            .col(big_integer_null(CreditPurchases::CompletedAt))
            .to_owned(),
        Table::create()
            .table(IdempotencyKeys::Table)
            .col(string(IdempotencyKeys::UserId))
            .col(string(IdempotencyKeys::Key))
            .col(string(IdempotencyKeys::RequestHash))
            .col(integer(IdempotencyKeys::Status))
            .col(text(IdempotencyKeys::Response))
            .col(big_integer(IdempotencyKeys::CreatedAt))
            .primary_key(Index::create().col(IdempotencyKeys::UserId).col(IdempotencyKeys::Key))
            .to_owned(),
        Table::create()
            .table(WebhookEvents::Table)
            .col(string(WebhookEvents::Id).primary_key())
            .col(big_integer(WebhookEvents::ReceivedAt))
            .to_owned(),
    ]
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        Index::create()
            .name("idx_credit_transactions_user")
            .table(CreditTransactions::Table)
            .col(CreditTransactions::UserId)
            .col(CreditTransactions::CreatedAt)
            .to_owned(),
        Index::create()
            .name("idx_credit_entries_account")
            .table(CreditEntries::Table)
            .col(CreditEntries::AccountId)
            .to_owned(),
        Index::create()
            .name("idx_credit_entries_transaction")
            .table(CreditEntries::Table)
            .col(CreditEntries::TransactionId)
            .to_owned(),
        Index::create()
            .name("idx_credit_purchases_user")
            .table(CreditPurchases::Table)
            .col(CreditPurchases::UserId)
            .to_owned(),
    ]
}

#[derive(DeriveIden)]
enum CreditAccounts {
    Table,
    Id,
    UserId,
    Kind,
    Balance,
    Version,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CreditTransactions {
    Table,
    Id,
    UserId,
    Kind,
    Amount,
    FromFree,
    FromPaid,
    BalanceAfter,
    AppId,
    Description,
    Metadata,
    Reference,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CreditEntries {
    Table,
    Id,
    TransactionId,
    AccountId,
    Amount,
}

#[derive(DeriveIden)]
enum CreditPackages {
    Table,
    Id,
    Name,
    Credits,
    PriceCents,
    Currency,
    Active,
}

#[derive(DeriveIden)]
enum CreditPurchases {
    Table,
    Id,
    UserId,
    PackageId,
    Credits,
    PriceCents,
    Currency,
    Status,
    CreatedAt,
    CompletedAt,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    UserId,
    Key,
    RequestHash,
    Status,
    Response,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    Id,
    ReceivedAt,
}
