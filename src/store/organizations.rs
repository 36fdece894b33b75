//! Organizations and their members (owner, admin, member).

use entity::{
    organization_members::{self, Entity as Members},
    organizations::{self, Entity as Organizations},
    users::{self, Entity as Users},
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, JoinType, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, RelationDef,
};

use super::{StoreError, now};
use crate::security::opaque::new_id;

#[tracing::instrument(level = "debug", skip_all)]
pub async fn create(db: &impl ConnectionTrait, name: &str) -> Result<organizations::Model, StoreError> {
    let row = organizations::ActiveModel { id: Set(new_id()), name: Set(name.to_owned()), created_at: Set(now()) };
    Ok(Organizations::insert(row).exec_with_returning(db).await?)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn add_member(
    db: &impl ConnectionTrait,
    organization_id: &str,
    user_id: &str,
    role: &str,
) -> Result<(), StoreError> {
    let row = organization_members::ActiveModel {
        organization_id: Set(organization_id.to_owned()),
        user_id: Set(user_id.to_owned()),
        role: Set(role.to_owned()),
        created_at: Set(now()),
    };
    Members::insert(row).exec_without_returning(db).await?;
    Ok(())
}

/// The user's role in the organization, if a member.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn role_of(
    db: &impl ConnectionTrait,
    organization_id: &str,
    user_id: &str,
) -> Result<Option<String>, StoreError> {
    Ok(Members::find_by_id((organization_id.to_owned(), user_id.to_owned())).one(db).await?.map(|m| m.role))
}

/// The organizations a user belongs to, with the user's role, oldest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn of_user(
    db: &impl ConnectionTrait,
    user_id: &str,
) -> Result<Vec<(organizations::Model, String)>, StoreError> {
    let memberships = Members::find()
        .filter(organization_members::Column::UserId.eq(user_id))
        .join(JoinType::InnerJoin, organizations_of_member())
        .select_also(Organizations)
        .order_by_asc(organization_members::Column::CreatedAt)
        .all(db)
        .await?;
    Ok(memberships.into_iter().filter_map(|(m, org)| org.map(|o| (o, m.role))).collect())
}

/// Members with their accounts, oldest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn members(
    db: &impl ConnectionTrait,
    organization_id: &str,
) -> Result<Vec<(organization_members::Model, users::Model)>, StoreError> {
    let rows = Members::find()
        .filter(organization_members::Column::OrganizationId.eq(organization_id))
        .join(JoinType::InnerJoin, user_of_member())
        .select_also(Users)
        .order_by_asc(organization_members::Column::CreatedAt)
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|(m, u)| u.map(|u| (m, u))).collect())
}

#[derive(Debug, PartialEq, Eq)]
pub enum Removal {
    Removed,
    NotMember,
    LastOwner,
}

/// Removes a member inside the caller's transaction, which the caller commits only on
/// `Removed`: the organization is never left without an owner. The delete comes first
/// (on SQLite the transaction then holds the write lock) and the organization row is
/// locked before owners are counted (PostgreSQL), so two concurrent removals of the
/// last two owners cannot both succeed.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn remove_member(
    txn: &impl ConnectionTrait,
    organization_id: &str,
    user_id: &str,
) -> Result<Removal, StoreError> {
    let Some(role) = role_of(txn, organization_id, user_id).await? else {
        return Ok(Removal::NotMember);
    };
    let deleted = Members::delete_many()
        .filter(organization_members::Column::OrganizationId.eq(organization_id))
        .filter(organization_members::Column::UserId.eq(user_id))
        .filter(organization_members::Column::Role.eq(role.as_str()))
        .exec(txn)
        .await?;
    if deleted.rows_affected == 0 {
        return Ok(Removal::NotMember);
    }
    Organizations::find_by_id(organization_id.to_owned()).lock_exclusive().one(txn).await?;
    if role == "owner" {
        let owners = Members::find()
            .filter(organization_members::Column::OrganizationId.eq(organization_id))
            .filter(organization_members::Column::Role.eq("owner"))
            .count(txn)
            .await?;
        if owners == 0 {
            return Ok(Removal::LastOwner);
        }
    }
    Ok(Removal::Removed)
}

/// Deletes the organization if no member is left; returns whether it did.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn delete_if_empty(db: &impl ConnectionTrait, organization_id: &str) -> Result<bool, StoreError> {
    let members =
        Members::find().filter(organization_members::Column::OrganizationId.eq(organization_id)).count(db).await?;
    if members > 0 {
        return Ok(false);
    }
    Organizations::delete_by_id(organization_id.to_owned()).exec(db).await?;
    Ok(true)
}

fn organizations_of_member() -> RelationDef {
    Members::belongs_to(Organizations)
        .from(organization_members::Column::OrganizationId)
        .to(organizations::Column::Id)
        .into()
}

fn user_of_member() -> RelationDef {
    Members::belongs_to(Users).from(organization_members::Column::UserId).to(users::Column::Id).into()
}

/// A page of organizations by name, each with how many members it has, in one query.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn page(
    db: &impl ConnectionTrait,
    offset: u64,
    limit: u64,
) -> Result<Vec<(organizations::Model, u64)>, StoreError> {
    let members_of: RelationDef = Members::belongs_to(Organizations)
        .from(organization_members::Column::OrganizationId)
        .to(organizations::Column::Id)
        .into();
    let rows: Vec<(String, String, i64, i64)> = Organizations::find()
        .select_only()
        .columns([organizations::Column::Id, organizations::Column::Name, organizations::Column::CreatedAt])
        .column_as(organization_members::Column::UserId.count(), "members")
        .join(JoinType::LeftJoin, members_of.rev())
        .group_by(organizations::Column::Id)
        .group_by(organizations::Column::Name)
        .group_by(organizations::Column::CreatedAt)
        .order_by_asc(organizations::Column::Name)
        .order_by_asc(organizations::Column::Id)
        .offset(offset)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, created_at, members)| {
            (organizations::Model { id, name, created_at }, u64::try_from(members).unwrap_or_default())
        })
        .collect())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn find(db: &impl ConnectionTrait, id: &str) -> Result<Option<organizations::Model>, StoreError> {
    Ok(Organizations::find_by_id(id.to_owned()).one(db).await?)
}
