//! Credit packages (seeded from config), purchases, and processed payment events.

use entity::{
    credit_packages::{self, Entity as Packages},
    credit_purchases::{self, Entity as Purchases},
    webhook_events::{self, Entity as WebhookEvents},
};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, OnConflict},
};

use super::{StoreError, now};
use crate::{config::PackageConfig, security::opaque::new_id};

/// Makes the active packages exactly those of the configuration; old ones stay for history.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn seed_packages(db: &impl ConnectionTrait, packages: &[PackageConfig]) -> Result<(), StoreError> {
    Packages::update_many().col_expr(credit_packages::Column::Active, Expr::value(false)).exec(db).await?;
    for package in packages {
        let row = credit_packages::ActiveModel {
            id: Set(package.id.clone()),
            name: Set(package.name.clone()),
            credits: Set(package.credits),
            price_cents: Set(package.price_cents),
            currency: Set(package.currency.to_lowercase()),
            active: Set(true),
        };
        Packages::insert(row)
            .on_conflict(
                OnConflict::column(credit_packages::Column::Id)
                    .update_columns([
                        credit_packages::Column::Name,
                        credit_packages::Column::Credits,
                        credit_packages::Column::PriceCents,
                        credit_packages::Column::Currency,
                        credit_packages::Column::Active,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn active_packages(db: &impl ConnectionTrait) -> Result<Vec<credit_packages::Model>, StoreError> {
    Ok(Packages::find()
        .filter(credit_packages::Column::Active.eq(true))
        .order_by_asc(credit_packages::Column::Credits)
        .all(db)
        .await?)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn find_package(db: &impl ConnectionTrait, id: &str) -> Result<Option<credit_packages::Model>, StoreError> {
    Ok(Packages::find_by_id(id.to_owned()).filter(credit_packages::Column::Active.eq(true)).one(db).await?)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn create(
    db: &impl ConnectionTrait,
    user_id: &str,
    package: &credit_packages::Model,
) -> Result<credit_purchases::Model, StoreError> {
    let row = credit_purchases::ActiveModel {
        id: Set(new_id()),
        user_id: Set(user_id.to_owned()),
        package_id: Set(package.id.clone()),
        credits: Set(package.credits),
        price_cents: Set(package.price_cents),
        currency: Set(package.currency.clone()),
        status: Set("pending".into()),
        created_at: Set(now()),
        completed_at: Set(None),
    };
    Ok(Purchases::insert(row).exec_with_returning(db).await?)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn of_user(db: &impl ConnectionTrait, user_id: &str) -> Result<Vec<credit_purchases::Model>, StoreError> {
    Ok(Purchases::find()
        .filter(credit_purchases::Column::UserId.eq(user_id))
        .order_by_desc(credit_purchases::Column::CreatedAt)
        .all(db)
        .await?)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn find(db: &impl ConnectionTrait, id: &str) -> Result<Option<credit_purchases::Model>, StoreError> {
    Ok(Purchases::find_by_id(id.to_owned()).one(db).await?)
}

/// Marks a purchase completed; false when it already was. A purchase marked failed
/// because Stripe's answer was lost may still be paid, and then completes too.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn complete(db: &impl ConnectionTrait, id: &str) -> Result<bool, StoreError> {
    let result = Purchases::update_many()
        .col_expr(credit_purchases::Column::Status, Expr::value("completed"))
        .col_expr(credit_purchases::Column::CompletedAt, Expr::value(now()))
        .filter(credit_purchases::Column::Id.eq(id))
        .filter(credit_purchases::Column::Status.is_in(["pending", "failed"]))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Marks a pending purchase failed: its Checkout Session could not be created.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn fail(db: &impl ConnectionTrait, id: &str) -> Result<(), StoreError> {
    Purchases::update_many()
        .col_expr(credit_purchases::Column::Status, Expr::value("failed"))
        .filter(credit_purchases::Column::Id.eq(id))
        .filter(credit_purchases::Column::Status.eq("pending"))
        .exec(db)
        .await?;
    Ok(())
}

/// Records a payment event; false when it was processed before (a replay).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn record_event(db: &impl ConnectionTrait, event_id: &str) -> Result<bool, StoreError> {
    let row = webhook_events::ActiveModel { id: Set(event_id.to_owned()), received_at: Set(now()) };
    match WebhookEvents::insert(row).exec_without_returning(db).await.map_err(StoreError::from) {
        Ok(_) => Ok(true),
        Err(StoreError::Conflict(_)) => Ok(false),
        Err(err) => Err(err),
    }
}
