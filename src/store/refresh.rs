//! Refresh tokens: stored as their time and digest, rotated on every use, revoked by family on reuse.

use entity::{
    auth_sessions::{self, Entity as AuthSessions},
    refresh_tokens::{self, Entity as RefreshTokens},
    users::{self, Entity as Users},
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, IdenStatic, IntoActiveModel, Iterable,
    ModelTrait, QueryFilter, QueryResult, QueryTrait, SelectA, SelectB, SelectC,
    sea_query::{Expr, OnConflict, Query, SelectStatement, UnionType},
};

use super::{StoreError, exists_in, now, successors::SuccessorWrites};
use crate::security::opaque::{TIME_PREFIX_LEN, derived_secret, digest, new_secret, time_prefix};

pub struct NewRefresh {
    pub family_id: String,
    pub client_id: String,
    pub user_id: String,
    pub session_id: Option<String>,
    pub scope: String,
    pub auth_time: i64,
    pub access_jti: String,
    pub ttl_secs: i64,
    /// The DPoP key the token is bound to, by thumbprint.
    pub dpop_jkt: Option<String>,
}

/// Stores a new refresh token and returns it; only its time and digest are kept.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn create(db: &impl ConnectionTrait, new: NewRefresh) -> Result<String, StoreError> {
    let (token, row) = new_row(new, None);
    RefreshTokens::insert(row.into_active_model()).exec_without_returning(db).await?;
    Ok(token)
}

/// Why a rotation's successor was not stored.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// The parent already has a successor: it was used before.
    ParentUsed,
    /// The parent is revoked or gone.
    ParentRevoked,
}

/// Stores successor `rows` in one statement and answers the keys it stored: an INSERT
/// of each row selected only while its parent stands unrevoked, which skips a row whose
/// parent has a successor already (the unique `parent_hash`), so of two concurrent
/// rotations of one token exactly one succeeds. A failure stores none of them.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn store_successors(
    db: &impl ConnectionTrait,
    rows: &[&refresh_tokens::Model],
) -> Result<Vec<String>, StoreError> {
    let mut selects = rows.iter().map(|row| {
        let parent_stands = Condition::all()
            .add(refresh_tokens::Column::TokenHash.eq(row.parent_hash.clone()))
            .add(refresh_tokens::Column::RevokedAt.is_null());
        Query::select()
            .exprs(refresh_tokens::Column::iter().map(|column| Expr::val(row.get(column))))
            .and_where(exists_in(RefreshTokens, parent_stands))
            .to_owned()
    });
    let Some(mut values) = selects.next() else { return Ok(Vec::new()) };
    for select in selects {
        values.union(UnionType::All, select);
    }
    let insert = Query::insert()
        .into_table(RefreshTokens)
        .columns(refresh_tokens::Column::iter())
        .select_from(values)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .returning_col(refresh_tokens::Column::TokenHash)
        .to_owned();
    let stored = db.query_all(&insert).await?;
    Ok(stored
        .iter()
        .map(|row| row.try_get("", refresh_tokens::Column::TokenHash.as_str()))
        .collect::<Result<_, _>>()?)
}

/// Why no successor of the token `parent` was stored, asked after the write: it has
/// one already, or it is revoked or gone.
async fn refusal(db: &impl ConnectionTrait, parent: &str) -> Result<Refused, StoreError> {
    Ok(match find_with_used_by_key(db, &key_of(parent)).await? {
        Some((parent, true)) if parent.revoked_at.is_none() => Refused::ParentUsed,
        _ => Refused::ParentRevoked,
    })
}

/// Stores `new` as the successor of the token `parent` and returns it (see
/// `store_successors`), or why it was refused: with the next group of `queue` when
/// there is one (an SQLite file, see `successors`), otherwise by a statement of its own.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn create_successor(
    db: &impl ConnectionTrait,
    queue: Option<&SuccessorWrites>,
    parent: &str,
    new: NewRefresh,
) -> Result<Result<String, Refused>, StoreError> {
    let (token, row) = new_row(new, Some(parent));
    let stored = match queue {
        Some(queue) => queue.store(row).await?,
        None => !store_successors(db, &[&row]).await?.is_empty(),
    };
    if !stored {
        return Ok(Err(refusal(db, parent).await?));
    }
    Ok(Ok(token))
}

/// A new token and the row that stores it under `key_of`; a successor's secret is
/// derived from its parent's (see `successor_secret`).
fn new_row(new: NewRefresh, parent: Option<&str>) -> (String, refresh_tokens::Model) {
    let secret = parent.map_or_else(new_secret, |parent| successor_secret(parent, &new.family_id));
    let token = format!("{}.{secret}", time_prefix());
    let at = now();
    let row = refresh_tokens::Model {
        token_hash: key_of(&token),
        family_id: new.family_id,
        client_id: new.client_id,
        user_id: new.user_id,
        session_id: new.session_id,
        scope: new.scope,
        auth_time: new.auth_time,
        access_jti: new.access_jti,
        created_at: at,
        expires_at: at + new.ttl_secs,
        used_at: None,
        revoked_at: None,
        parent_hash: parent.map(key_of),
        dpop_jkt: new.dpop_jkt,
    };
    (token, row)
}

/// The secret of the successor of the token `parent`: derived from that token and
/// the family's id (which never leaves the server), so a rotation of `parent` asked
/// again recomputes the successor stored the first time, of which only the digest is
/// kept (see `find_successor`), and a copy of an old token alone does not give the
/// secrets of the tokens after it.
fn successor_secret(parent: &str, family_id: &str) -> String {
    derived_secret(parent, &format!("mana-auth refresh successor {family_id}"))
}

/// The successor of a rotated token, recomputed from its parent.
pub struct Successor {
    pub token: String,
    pub row: refresh_tokens::Model,
    /// Whether the successor was rotated in turn.
    pub used: bool,
}

/// The successor stored for the token `parent`, when it has one derived from it.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn find_successor(db: &impl ConnectionTrait, parent: &str) -> Result<Option<Successor>, StoreError> {
    let child = RefreshTokens::find().filter(refresh_tokens::Column::ParentHash.eq(key_of(parent))).one(db).await?;
    let Some(child) = child else { return Ok(None) };
    let Some((time, _)) = child.token_hash.split_once('.') else { return Ok(None) };
    let token = format!("{time}.{}", successor_secret(parent, &child.family_id));
    if key_of(&token) != child.token_hash {
        return Ok(None);
    }
    let found = find_with_used_by_key(db, &child.token_hash).await?;
    Ok(found.map(|(row, used)| Successor { token, row, used }))
}

/// The key a token's row is stored under. A token is its issue time and a secret,
/// `<time>.<secret>`, stored under its time and the digest of the whole token: the
/// time keeps a rotation's writes to the last pages of the token and parent indexes
/// (see `time_prefix`). A token without a time, issued before tokens carried one, is
/// stored under its digest alone.
pub fn key_of(token: &str) -> String {
    match token.split_once('.') {
        Some((time, _)) if time.len() == TIME_PREFIX_LEN && time.bytes().all(|b| b.is_ascii_hexdigit()) => {
            format!("{time}.{}", digest(token))
        }
        _ => digest(token),
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn find(db: &impl ConnectionTrait, token: &str) -> Result<Option<refresh_tokens::Model>, StoreError> {
    Ok(RefreshTokens::find_by_id(key_of(token)).one(db).await?)
}

/// The token and whether it was used, read in one query.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn find_with_used(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<(refresh_tokens::Model, bool)>, StoreError> {
    find_with_used_by_key(db, &key_of(token)).await
}

async fn find_with_used_by_key(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<(refresh_tokens::Model, bool)>, StoreError> {
    let mut query = RefreshTokens::find_by_id(token_hash).into_query();
    with_used(&mut query, token_hash);
    let Some(row) = db.query_one(&query).await? else { return Ok(None) };
    let token = refresh_tokens::Model::from_query_result(&row, "")?;
    let used = read_used(&row, &token)?;
    Ok(Some((token, used)))
}

/// A refresh token with whether it was used, its session and its user.
pub struct WithGrant {
    pub token: refresh_tokens::Model,
    pub used: bool,
    pub session: Option<auth_sessions::Model>,
    pub user: Option<users::Model>,
}

/// The token with its grant, read in one query.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn find_with_grant(db: &impl ConnectionTrait, token: &str) -> Result<Option<WithGrant>, StoreError> {
    let token_hash = key_of(token);
    let mut query =
        RefreshTokens::find_by_id(&token_hash).find_also_related(AuthSessions).find_also_related(Users).into_query();
    with_used(&mut query, &token_hash);
    let Some(row) = db.query_one(&query).await? else { return Ok(None) };
    let token = refresh_tokens::Model::from_query_result(&row, SelectA.as_str())?;
    Ok(Some(WithGrant {
        used: read_used(&row, &token)?,
        session: auth_sessions::Model::from_query_result_optional(&row, SelectB.as_str())?,
        user: users::Model::from_query_result_optional(&row, SelectC.as_str())?,
        token,
    }))
}

const HAS_SUCCESSOR: &str = "token_has_successor";

/// Asks, in the same query, whether a successor names the token `token_hash`.
fn with_used(query: &mut SelectStatement, token_hash: &str) {
    query.expr_as(
        exists_in(RefreshTokens, Condition::all().add(refresh_tokens::Column::ParentHash.eq(token_hash))),
        HAS_SUCCESSOR,
    );
}

/// Whether the token was rotated: a successor names it, or (rotated before successors
/// named their parent) it is marked used.
fn read_used(row: &QueryResult, token: &refresh_tokens::Model) -> Result<bool, StoreError> {
    Ok(token.used_at.is_some() || row.try_get::<bool>("", HAS_SUCCESSOR)?)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn revoke_family(db: &impl ConnectionTrait, family_id: &str) -> Result<u64, StoreError> {
    revoke_where(db, refresh_tokens::Column::FamilyId.eq(family_id)).await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn revoke_session(db: &impl ConnectionTrait, session_id: &str) -> Result<u64, StoreError> {
    revoke_where(db, refresh_tokens::Column::SessionId.eq(session_id)).await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn revoke_client(db: &impl ConnectionTrait, client_id: &str) -> Result<u64, StoreError> {
    revoke_where(db, refresh_tokens::Column::ClientId.eq(client_id)).await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn revoke_user(db: &impl ConnectionTrait, user_id: &str) -> Result<u64, StoreError> {
    revoke_where(db, refresh_tokens::Column::UserId.eq(user_id)).await
}

pub(super) async fn revoke_where(
    db: &impl ConnectionTrait,
    condition: sea_orm::sea_query::SimpleExpr,
) -> Result<u64, StoreError> {
    let result = RefreshTokens::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now()))
        .filter(condition)
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// The family of the refresh token issued together with access token `jti`, if any.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn family_of_access_token(
    db: &impl ConnectionTrait,
    jti: &str,
) -> Result<Option<refresh_tokens::Model>, StoreError> {
    Ok(RefreshTokens::find().filter(refresh_tokens::Column::AccessJti.eq(jti)).one(db).await?)
}

/// Rows for the store's unit tests.
#[cfg(test)]
pub mod fixtures {
    use super::NewRefresh;
    use sea_orm::ConnectionTrait;

    use crate::store::users::{NewUser, create};

    /// A refresh token of `family` for `user_id`, without a session.
    pub fn of_family(family: &str, user_id: &str) -> NewRefresh {
        NewRefresh {
            family_id: family.into(),
            client_id: "app".into(),
            user_id: user_id.into(),
            session_id: None,
            scope: "openid".into(),
            auth_time: 0,
            access_jti: "jti".into(),
            ttl_secs: 60,
            dpop_jkt: None,
        }
    }

    /// The id of a new user with address `email`.
    pub async fn a_user(db: &impl ConnectionTrait, email: &str) -> String {
        let new =
            NewUser { email: email.into(), username: None, name: None, password_hash: "x".into(), language: None };
        create(db, new).await.expect("user").id
    }
}

#[cfg(test)]
mod tests {
    use entity::refresh_tokens::Entity as RefreshTokens;
    use sea_orm::{EntityTrait, IntoActiveModel};

    use super::{
        Refused, create, create_successor, find, find_successor,
        fixtures::{a_user, of_family},
        key_of, revoke_family,
    };
    use crate::{
        security::opaque::{digest, new_secret},
        store::db,
    };

    #[tokio::test]
    async fn a_token_gets_one_successor_and_none_once_revoked() {
        let db = db::in_memory().await;
        let user = a_user(&db, "s@example.org").await;
        let parent = create(&db, of_family("family", &user)).await.expect("parent");

        let child =
            create_successor(&db, None, &parent, of_family("family", &user)).await.expect("write").expect("stored");
        let stored = find(&db, &child).await.expect("find").expect("child stored");
        assert_eq!(stored.parent_hash, Some(key_of(&parent)));
        let second = create_successor(&db, None, &parent, of_family("family", &user)).await.expect("write");
        assert_eq!(second, Err(Refused::ParentUsed), "a parent has one successor");
        let again = find_successor(&db, &parent).await.expect("read").expect("successor");
        assert_eq!((again.token.as_str(), again.used), (child.as_str(), false), "recomputed from its parent");
        create_successor(&db, None, &child, of_family("family", &user)).await.expect("write").expect("stored");
        assert!(find_successor(&db, &parent).await.expect("read").expect("successor").used, "used in turn");
        assert!(find_successor(&db, "gone").await.expect("read").is_none());

        let unknown = create_successor(&db, None, "gone", of_family("family", &user)).await.expect("write");
        assert_eq!(unknown, Err(Refused::ParentRevoked));
        revoke_family(&db, "family").await.expect("revoke");
        let after_revoke = create_successor(&db, None, &child, of_family("family", &user)).await.expect("write");
        assert_eq!(after_revoke, Err(Refused::ParentRevoked), "a revoked token gets no successor");
    }

    #[test]
    fn a_token_is_stored_under_its_time_and_digest_and_an_older_one_under_its_digest() {
        let (time, _) = "0000000000001.secret".split_once('.').expect("dot");
        assert_eq!(key_of("0000000000001.secret"), format!("{time}.{}", digest("0000000000001.secret")));
        let older = new_secret();
        assert_eq!(key_of(&older), digest(&older), "a token without a time");
        for malformed in ["zzzzzzzzzzzzz.secret", "01.secret", ".secret", "00000000000001.secret"] {
            assert_eq!(key_of(malformed), digest(malformed), "{malformed} is no time prefix");
        }
    }

    #[tokio::test]
    async fn tokens_sort_by_issue_time_and_an_older_token_still_rotates() {
        let db = db::in_memory().await;
        let user = a_user(&db, "t@example.org").await;
        let first = key_of(&create(&db, of_family("family", &user)).await.expect("first"));
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = key_of(&create(&db, of_family("family", &user)).await.expect("second"));
        assert!(first < second, "{first} sorts before {second}");

        // A token issued before tokens carried their time: its row is keyed by its digest.
        let older = new_secret();
        let mut row = RefreshTokens::find_by_id(&second).one(&db).await.expect("read").expect("row");
        row.token_hash = digest(&older);
        RefreshTokens::insert(row.into_active_model()).exec_without_returning(&db).await.expect("older row");
        assert!(find(&db, &older).await.expect("find").is_some(), "found by its digest");
        let child =
            create_successor(&db, None, &older, of_family("family", &user)).await.expect("write").expect("stored");
        assert!(child.contains('.'), "its successor carries a time");
    }
}
